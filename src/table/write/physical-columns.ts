import { quoteIdent, quoteLiteral } from '../../engine/index.js';
import { columnId, physicalName, type ColumnMappingMode, type DataType, type StructField } from '../schema/index.js';

/**
 * SQL turning a logical value into what data files store: under column mapping every
 * struct field, however deep, is renamed to its physical name (PROTOCOL.md, Column
 * Mapping); without it the value is stored as is.
 */
export function physicalValueSql(source: string, type: DataType, mode: ColumnMappingMode): string {
  if (mode === 'none' || !hasStruct(type)) return source;
  switch (type.kind) {
    case 'struct': {
      const fields = type.fields.map((f) => `${quoteIdent(physicalName(f, mode))} := ${physicalValueSql(`${source}[${quoteLiteral(f.name)}]`, f.type, mode)}`);
      return `CASE WHEN ${source} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    case 'array':
      return `list_transform(${source}, lambda aq_e: ${physicalValueSql('aq_e', type.elementType, mode)})`;
    case 'map':
      return `map_from_entries(list_transform(map_entries(${source}), lambda aq_kv: struct_pack(key := ${physicalValueSql('aq_kv.key', type.keyType, mode)}, value := ${physicalValueSql('aq_kv.value', type.valueType, mode)})))`;
    default:
      return source;
  }
}

/**
 * DuckDB's FIELD_IDS option for the data columns: each field's column-mapping id as its
 * Parquet field_id, so readers that resolve columns by id (id mode) find them.
 */
export function fieldIdsOption(fields: readonly StructField[], mode: ColumnMappingMode): string | undefined {
  if (mode === 'none') return undefined;
  const entries = fields.map((f) => fieldIdEntry(f, mode)).filter((e): e is string => e !== undefined);
  return entries.length === 0 ? undefined : `{${entries.join(', ')}}`;
}

function fieldIdEntry(field: StructField, mode: ColumnMappingMode): string | undefined {
  const id = columnId(field);
  const nested = nestedIds(field.type, mode);
  if (id === undefined && nested === undefined) return undefined;
  const key = quoteLiteral(physicalName(field, mode));
  if (nested === undefined) return `${key}: ${id}`;
  return `${key}: {${id === undefined ? '' : `'__duckdb_field_id': ${id}, `}${nested}}`;
}

function nestedIds(type: DataType, mode: ColumnMappingMode): string | undefined {
  switch (type.kind) {
    case 'struct': {
      const entries = type.fields.map((f) => fieldIdEntry(f, mode)).filter((e): e is string => e !== undefined);
      return entries.length === 0 ? undefined : entries.join(', ');
    }
    case 'array': {
      const inner = nestedIds(type.elementType, mode);
      return inner === undefined ? undefined : `'element': {${inner}}`;
    }
    case 'map': {
      const key = nestedIds(type.keyType, mode);
      const value = nestedIds(type.valueType, mode);
      const parts = [key === undefined ? undefined : `'key': {${key}}`, value === undefined ? undefined : `'value': {${value}}`].filter((p) => p !== undefined);
      return parts.length === 0 ? undefined : parts.join(', ');
    }
    default:
      return undefined;
  }
}

function hasStruct(type: DataType): boolean {
  if (type.kind === 'struct') return true;
  if (type.kind === 'array') return hasStruct(type.elementType);
  if (type.kind === 'map') return hasStruct(type.keyType) || hasStruct(type.valueType);
  return false;
}
