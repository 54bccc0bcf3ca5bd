import { DuckDBDecimalType, DuckDBListType, DuckDBArrayType, DuckDBMapType, DuckDBStructType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { SchemaInvalidError } from '../errors.js';
import { decimal, primitive, type DataType, type StructField } from './data-type.js';

/**
 * The Delta type for a DuckDB column type, used when a table is created from a query
 * or a file. Unsigned integers widen to the next signed type so no value is lost.
 */
export function fromDuckDBType(type: DuckDBType, column: string): DataType {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
      return primitive('string');
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return primitive('long');
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return primitive('integer');
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return primitive('short');
    case DuckDBTypeId.TINYINT:
      return primitive('byte');
    case DuckDBTypeId.UBIGINT:
      return decimal(20, 0);
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return decimal(38, 0);
    case DuckDBTypeId.FLOAT:
      return primitive('float');
    case DuckDBTypeId.DOUBLE:
      return primitive('double');
    case DuckDBTypeId.BOOLEAN:
      return primitive('boolean');
    case DuckDBTypeId.BLOB:
      return primitive('binary');
    case DuckDBTypeId.DATE:
      return primitive('date');
    case DuckDBTypeId.TIMESTAMP_TZ:
      return primitive('timestamp');
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
      return primitive('timestamp_ntz');
    case DuckDBTypeId.DECIMAL: {
      const d = type as DuckDBDecimalType;
      return decimal(d.width, d.scale);
    }
    case DuckDBTypeId.LIST:
      return { kind: 'array', elementType: fromDuckDBType((type as DuckDBListType).valueType, `${column}[]`), containsNull: true };
    case DuckDBTypeId.ARRAY:
      return { kind: 'array', elementType: fromDuckDBType((type as DuckDBArrayType).valueType, `${column}[]`), containsNull: true };
    case DuckDBTypeId.MAP: {
      const m = type as DuckDBMapType;
      return {
        kind: 'map',
        keyType: fromDuckDBType(m.keyType, `${column}.key`),
        valueType: fromDuckDBType(m.valueType, `${column}.value`),
        valueContainsNull: true,
      };
    }
    case DuckDBTypeId.STRUCT: {
      const s = type as DuckDBStructType;
      const fields: StructField[] = s.entryNames.map((name, index) => ({
        name,
        type: fromDuckDBType(s.entryTypes[index] as DuckDBType, `${column}.${name}`),
        nullable: true,
        metadata: {},
      }));
      return { kind: 'struct', fields };
    }
    default:
      throw new SchemaInvalidError(
        `Column ${column} has DuckDB type ${type.toString()}, which has no Delta equivalent`,
        { column, type: type.toString() },
        'Cast the column to a supported type (string, numbers, boolean, binary, date, timestamp, decimal, struct, list, map) before writing.',
      );
  }
}
