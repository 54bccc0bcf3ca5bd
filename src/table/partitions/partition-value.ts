import { quoteLiteral } from '../../engine/index.js';
import { SchemaInvalidError } from '../errors.js';
import { describeType, toDuckDBType, type DataType } from '../schema/index.js';

export interface PartitionReadOptions {
  /**
   * The zone in which zone-less `timestamp` partition values were written (the writer's
   * session zone, which the log does not record). UTC unless told otherwise.
   */
  partitionTimeZone?: string;
}

/**
 * SQL that turns a partition value string (a SQL expression yielding VARCHAR) into the
 * column's typed value, following PROTOCOL.md "Partition Value Serialization": an empty
 * string or NULL is NULL, timestamps may carry a zone or be in the writer's zone, binary
 * is the string's bytes.
 */
export function partitionValueExpr(raw: string, type: DataType, options: PartitionReadOptions = {}): string {
  const duck = toDuckDBType(type);
  const guarded = `NULLIF(${raw}, '')`;
  if (type.kind !== 'primitive' && type.kind !== 'decimal') {
    throw new SchemaInvalidError(`Partition columns must have a primitive type, not ${describeType(type)}`, describeType(type));
  }
  if (type.kind === 'decimal') return `CAST(${guarded} AS ${duck})`;
  switch (type.name) {
    case 'string':
      return guarded;
    case 'binary':
      return `encode(${guarded})`;
    case 'timestamp': {
      const zone = quoteLiteral(options.partitionTimeZone ?? 'UTC');
      return `CASE WHEN regexp_matches(${guarded}, '([zZ]|[+-]\\d\\d(:?\\d\\d)?)$') THEN CAST(${guarded} AS TIMESTAMPTZ) ELSE timezone(${zone}, CAST(${guarded} AS TIMESTAMP)) END`;
    }
    default:
      return `CAST(${guarded} AS ${duck})`;
  }
}

/** A typed SQL literal for one partition value from the log. */
export function partitionValueLiteral(value: string | null | undefined, type: DataType, options: PartitionReadOptions = {}): string {
  if (value === null || value === undefined || value === '') return `CAST(NULL AS ${toDuckDBType(type)})`;
  return partitionValueExpr(quoteLiteral(value), type, options);
}

/**
 * SQL that renders a column's value as the partition value string this writer stores:
 * ISO-8601 in UTC for timestamps (the form the protocol recommends), plain text otherwise.
 */
export function partitionStringExpr(column: string, type: DataType): string {
  if (type.kind === 'decimal') return `CAST(${column} AS VARCHAR)`;
  if (type.kind !== 'primitive') {
    throw new SchemaInvalidError(
      `Partition columns must have a primitive type, not ${describeType(type)}`,
      describeType(type),
      'Partition by a string, number, boolean, date or timestamp column.',
    );
  }
  switch (type.name) {
    case 'string':
      return column;
    case 'timestamp':
      return `strftime(timezone('UTC', ${column}), '%Y-%m-%dT%H:%M:%S.%fZ')`;
    case 'timestamp_ntz':
      return `strftime(${column}, '%Y-%m-%d %H:%M:%S.%f')`;
    case 'date':
      return `strftime(${column}, '%Y-%m-%d')`;
    case 'binary':
      return `decode(${column})`;
    case 'variant':
    case 'void':
      throw new SchemaInvalidError(
        `A ${type.name} column cannot be a partition column`,
        type.name,
        'Partition by a string, number, boolean, date or timestamp column.',
      );
    default:
      return `CAST(${column} AS VARCHAR)`;
  }
}
