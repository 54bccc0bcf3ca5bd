import { quoteIdent } from '../../engine/index.js';
import type { DataType, StructField } from '../../table/index.js';

/** What a profile can say about a column, by its Delta type. */
export type ColumnKind = 'numeric' | 'string' | 'boolean' | 'temporal' | 'other';

const INTEGERS = new Set(['byte', 'short', 'integer', 'long']);
const FLOATS = new Set(['float', 'double']);
const TEMPORAL = new Set(['date', 'timestamp', 'timestamp_ntz']);

export function columnKind(type: DataType): ColumnKind {
  if (type.kind === 'decimal') return 'numeric';
  if (type.kind !== 'primitive') return 'other';
  if (INTEGERS.has(type.name) || FLOATS.has(type.name)) return 'numeric';
  if (type.name === 'string') return 'string';
  if (type.name === 'boolean') return 'boolean';
  if (TEMPORAL.has(type.name)) return 'temporal';
  return 'other';
}

export const isInteger = (type: DataType): boolean => type.kind === 'primitive' && INTEGERS.has(type.name);
export const isFloating = (type: DataType): boolean => type.kind === 'primitive' && FLOATS.has(type.name);

/** The column's value with GE's missing ones made NULL: pandas reads float NaN as missing, DuckDB does not. */
export function presentValue(field: StructField): string {
  const c = quoteIdent(field.name);
  return isFloating(field.type) ? `CASE WHEN isnan(${c}) THEN NULL ELSE ${c} END` : c;
}
