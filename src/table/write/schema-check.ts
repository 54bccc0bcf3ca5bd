import type { DuckDBType } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../../engine/index.js';
import { SchemaMismatchError } from '../errors.js';
import { describeType, fromDuckDBType, toDuckDBType, typesEqual, type DataType, type StructField, type StructType } from '../schema/index.js';

const INTEGRAL = ['byte', 'short', 'integer', 'long'];
const FLOATING = ['float', 'double'];

/**
 * Whether values of `from` may be written into a column of `to`. Exact matches and
 * numeric conversions are allowed (DuckDB checks each value fits, failing the write
 * otherwise), as are strings into any primitive column (parsed per value, as CSV
 * input needs) and naive timestamps or dates into timestamp columns (read as UTC).
 */
export function writableAs(from: DataType, to: DataType): boolean {
  if (typesEqual(from, to)) return true;
  const name = (t: DataType) => (t.kind === 'primitive' ? t.name : t.kind);
  const f = name(from);
  const t = name(to);
  const numeric = (n: string) => INTEGRAL.includes(n) || FLOATING.includes(n) || n === 'decimal';
  if (numeric(f) && numeric(t)) return true;
  if (f === 'string' && (to.kind === 'primitive' || to.kind === 'decimal') && t !== 'variant') return true;
  if ((f === 'timestamp_ntz' || f === 'date') && (t === 'timestamp' || t === 'timestamp_ntz')) return true;
  if (f === 'timestamp' && t === 'timestamp_ntz') return false;
  if (from.kind === 'array' && to.kind === 'array') return writableAs(from.elementType, to.elementType);
  if (from.kind === 'map' && to.kind === 'map') return writableAs(from.keyType, to.keyType) && writableAs(from.valueType, to.valueType);
  if (from.kind === 'struct' && to.kind === 'struct') {
    return from.fields.every((ff) => {
      const target = to.fields.find((tf) => tf.name.toLowerCase() === ff.name.toLowerCase());
      return target !== undefined && writableAs(ff.type, target.type);
    });
  }
  return false;
}

/** The source's columns as Delta fields. */
export function sourceFields(names: readonly string[], types: readonly DuckDBType[]): StructField[] {
  return names.map((name, index) => ({ name, type: fromDuckDBType(types[index] as DuckDBType, name), nullable: true, metadata: {} }));
}

/**
 * A projection that turns the source's columns into the table's, in schema order and
 * with the table's types: a missing nullable column is NULL, a NULL in a non-nullable
 * column fails the write, an unknown source column or an incompatible type is a typed
 * error naming the column and both types.
 */
export function conformingProjection(schema: StructType, source: readonly StructField[], location: string): string {
  const byName = new Map(source.map((f) => [f.name.toLowerCase(), f]));
  for (const field of source) {
    if (!schema.fields.some((f) => f.name.toLowerCase() === field.name.toLowerCase())) {
      throw new SchemaMismatchError(
        `The data has a column '${field.name}' (${describeType(field.type)}) that the table ${location} does not have`,
        { column: field.name, dataType: describeType(field.type), tableColumns: schema.fields.map((f) => f.name) },
        'Drop the column from the data, or write with schema evolution (mergeSchema) to add it to the table.',
      );
    }
  }
  return schema.fields
    .map((field) => {
      const given = byName.get(field.name.toLowerCase());
      const target = toDuckDBType(field.type);
      if (given === undefined) {
        if (!field.nullable) {
          throw new SchemaMismatchError(
            `The data lacks the non-nullable column '${field.name}' of ${location}`,
            { column: field.name },
            'Add the column to the data.',
          );
        }
        return `CAST(NULL AS ${target}) AS ${quoteIdent(field.name)}`;
      }
      if (!writableAs(given.type, field.type)) {
        throw new SchemaMismatchError(
          `Column '${field.name}' is ${describeType(given.type)} in the data but ${describeType(field.type)} in the table ${location}`,
          { column: field.name, dataType: describeType(given.type), tableType: describeType(field.type) },
          "Cast the column to the table's type in the data, or overwrite the table with the new schema.",
        );
      }
      const value = `CAST(${quoteIdent(given.name)} AS ${target})`;
      const checked = field.nullable
        ? value
        : `CASE WHEN ${quoteIdent(given.name)} IS NULL THEN error(${quoteLiteral(`TABLE_NULL_IN_NON_NULLABLE: column '${field.name}' of ${location} does not accept NULL`)}) ELSE ${value} END`;
      return `${checked} AS ${quoteIdent(field.name)}`;
    })
    .join(', ');
}
