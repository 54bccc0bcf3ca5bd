import { quoteIdent, quoteLiteral } from '../../engine/index.js';
import type { DataShape } from './definition.js';

/** A column reference. */
export const col = (name: string): string => quoteIdent(name);

/** A JSON value (from kwargs) as a SQL literal. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return Number.isFinite(value) ? (Number.isInteger(value) ? String(value) : `${value}::DOUBLE`) : `'${String(value)}'::DOUBLE`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return quoteLiteral(String(value));
}

const FLOATS = new Set(['float', 'double']);

/** Whether a column's Delta type is a floating-point one, where GE (pandas) counts NaN as missing too. */
export function isFloat(shape: DataShape, name: string): boolean {
  const type = shape.field(name)?.type;
  return type?.kind === 'primitive' && FLOATS.has(type.name);
}

/** GE's `isnull()`: NULL, and NaN in a floating-point column. */
export function missing(shape: DataShape, name: string): string {
  return isFloat(shape, name) ? `(${col(name)} IS NULL OR isnan(${col(name)}))` : `(${col(name)} IS NULL)`;
}

/** `lo <= x <= hi` with GE's open (null) sides and strict flags, as SQL. */
export function betweenSql(expr: string, bounds: { min_value?: unknown; max_value?: unknown; strict_min: boolean; strict_max: boolean }): string {
  const parts: string[] = [];
  if (bounds.min_value !== null && bounds.min_value !== undefined) parts.push(`${expr} ${bounds.strict_min ? '>' : '>='} ${literal(bounds.min_value)}`);
  if (bounds.max_value !== null && bounds.max_value !== undefined) parts.push(`${expr} ${bounds.strict_max ? '<' : '<='} ${literal(bounds.max_value)}`);
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}
