import { DuckDBListType, DuckDBStructType, DuckDBTypeId, LIST, STRUCT, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import { fromDuckDBType, type DataType } from '../table/index.js';

/**
 * DuckDB's inferred type with the types Delta lacks made strings: a time of day
 * ("10:00:00") is kept as the text it was, not refused and not turned into a timestamp.
 */
export function withoutTimeOfDay(type: DuckDBType): DuckDBType {
  switch (type.typeId) {
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.TIME_NS:
      return VARCHAR;
    case DuckDBTypeId.LIST:
      return LIST(withoutTimeOfDay((type as DuckDBListType).valueType));
    case DuckDBTypeId.STRUCT: {
      const s = type as DuckDBStructType;
      return STRUCT(Object.fromEntries(s.entryNames.map((name, i) => [name, withoutTimeOfDay(s.entryTypes[i] as DuckDBType)])));
    }
    default:
      return type;
  }
}

/** The Delta type of a column DuckDB inferred from a source file or a first batch. */
export function inferredDeltaType(type: DuckDBType, column: string): DataType {
  return fromDuckDBType(withoutTimeOfDay(type), column);
}
