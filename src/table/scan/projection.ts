import { DuckDBListType, DuckDBMapType, DuckDBStructType, DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { quoteIdent } from '../../engine/index.js';
import { physicalName, toDuckDBType, type ColumnMappingMode, type DataType } from '../schema/index.js';

/**
 * SQL turning a value as stored in data files (physical names, possibly older or
 * narrower types, possibly missing nested fields) into the column's logical value.
 * Structs are rebuilt field by field only where names differ or fields are missing;
 * otherwise one CAST does it.
 */
export function logicalValueSql(source: string, type: DataType, stored: DuckDBType | undefined, mode: ColumnMappingMode): string {
  const target = toDuckDBType(type);
  if (stored === undefined) return `CAST(NULL AS ${target})`;
  if (!needsRebuild(type, stored, mode)) return `CAST(${source} AS ${target})`;
  switch (type.kind) {
    case 'struct': {
      const struct = stored as DuckDBStructType;
      const entries = type.fields.map((f) => {
        const name = physicalName(f, mode);
        const index = struct.entryNames.indexOf(name);
        const inner = index < 0 ? undefined : struct.entryTypes[index];
        return `${quoteIdent(f.name)} := ${logicalValueSql(`${source}[${quoteLiteralName(name)}]`, f.type, inner, mode)}`;
      });
      return `CASE WHEN ${source} IS NULL THEN NULL ELSE struct_pack(${entries.join(', ')}) END`;
    }
    case 'array': {
      const element = (stored as DuckDBListType).valueType;
      return `list_transform(${source}, lambda aq_e: ${logicalValueSql('aq_e', type.elementType, element, mode)})`;
    }
    case 'map': {
      const map = stored as DuckDBMapType;
      const key = logicalValueSql('aq_kv.key', type.keyType, map.keyType, mode);
      const value = logicalValueSql('aq_kv.value', type.valueType, map.valueType, mode);
      return `map_from_entries(list_transform(map_entries(${source}), lambda aq_kv: struct_pack(key := ${key}, value := ${value})))`;
    }
    default:
      return `CAST(${source} AS ${target})`;
  }
}

function needsRebuild(type: DataType, stored: DuckDBType, mode: ColumnMappingMode): boolean {
  switch (type.kind) {
    case 'struct': {
      if (stored.typeId !== DuckDBTypeId.STRUCT) return false;
      const struct = stored as DuckDBStructType;
      if (struct.entryNames.length !== type.fields.length) return true;
      return type.fields.some((f, i) => {
        const name = physicalName(f, mode);
        if (struct.entryNames[i] !== name || name !== f.name) return true;
        return needsRebuild(f.type, struct.entryTypes[i] as DuckDBType, mode);
      });
    }
    case 'array':
      return stored.typeId === DuckDBTypeId.LIST && needsRebuild(type.elementType, (stored as DuckDBListType).valueType, mode);
    case 'map':
      return (
        stored.typeId === DuckDBTypeId.MAP &&
        (needsRebuild(type.keyType, (stored as DuckDBMapType).keyType, mode) || needsRebuild(type.valueType, (stored as DuckDBMapType).valueType, mode))
      );
    default:
      return false;
  }
}

function quoteLiteralName(name: string): string {
  return `'${name.replaceAll("'", "''")}'`;
}
