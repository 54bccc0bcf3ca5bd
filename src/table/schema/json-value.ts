import type { DataType, StructField } from './data-type.js';

const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte']);
const WITH_ZONE = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\+00(?::00)?$/;
const WITHOUT_ZONE = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/;

/**
 * A value as Aquifer prints it in JSON, from DuckDB's JSON-safe rendering and the column's
 * Delta type: one representation for the server, the CLI and the online store. Integers that
 * fit a double are numbers (wider ones stay exact strings); `timestamp` is RFC 3339 in UTC
 * ('2026-03-01T09:59:59Z'), `timestamp_ntz` the same without a zone; strings are never
 * touched, whatever they look like ('02139' stays a string).
 */
export function jsonValue(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return value ?? null;
  switch (type.kind) {
    case 'primitive':
      if (typeof value !== 'string') return value;
      if (INTEGER_TYPES.has(type.name)) return /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
      if (type.name === 'timestamp') return value.replace(WITH_ZONE, '$1T$2Z');
      if (type.name === 'timestamp_ntz') return value.replace(WITHOUT_ZONE, '$1T$2');
      return value;
    case 'struct':
      return typeof value === 'object' && !Array.isArray(value) ? jsonRow(value as Record<string, unknown>, type.fields) : value;
    case 'array':
      return Array.isArray(value) ? value.map((item) => jsonValue(item, type.elementType)) : value;
    case 'map':
      return Array.isArray(value) ? value.map((entry) => mapEntry(entry, type.keyType, type.valueType)) : value;
    default:
      return value;
  }
}

/** A row with each named field's value rendered by `jsonValue`; columns not among the fields are left as they are. */
export function jsonRow(row: Readonly<Record<string, unknown>>, fields: readonly StructField[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const field of fields) if (field.name in row) out[field.name] = jsonValue(row[field.name], field.type);
  return out;
}

function mapEntry(entry: unknown, keyType: DataType, valueType: DataType): unknown {
  if (entry === null || typeof entry !== 'object' || !('key' in entry) || !('value' in entry)) return entry;
  return { key: jsonValue(entry.key, keyType), value: jsonValue(entry.value, valueType) };
}
