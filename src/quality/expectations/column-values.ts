import { compareCodePoints } from '../../engine/index.js';
import type { DataShape } from './definition.js';
import { jsonValue, type JsonValue } from '../validate/results.js';
import { col, isFloat } from './sql.js';

/** A column's value without GE's missing ones (NaN in float columns is missing in pandas). */
export const present = (shape: DataShape, name: string): string =>
  isFloat(shape, name) ? `CASE WHEN isnan(${col(name)}) THEN NULL ELSE ${col(name)} END` : col(name);

const NUMERIC = new Set(['byte', 'short', 'integer', 'long', 'float', 'double']);

/** Whether pandas reads the column as numbers (decimals are Python objects there, but compare as numbers). */
export function isNumericColumn(shape: DataShape, name: string): boolean {
  const type = shape.field(name)?.type;
  return (type?.kind === 'primitive' && NUMERIC.has(type.name)) || type?.kind === 'decimal';
}

/**
 * Whether pandas shows a missing value of the column as NaN: in the numeric columns it reads as numbers (an integer
 * column with nulls becomes float64). Decimals differ from isNumericColumn: pandas holds them as Python objects, so a
 * missing decimal is None.
 */
export function missingIsNaN(shape: DataShape, name: string): boolean {
  const type = shape.field(name)?.type;
  return type?.kind === 'primitive' && NUMERIC.has(type.name);
}

/** A column's Delta type name: the primitive's name, or the kind of a complex or decimal type. */
export function typeName(shape: DataShape, name: string): string | undefined {
  const type = shape.field(name)?.type;
  return type?.kind === 'primitive' ? type.name : type?.kind;
}

/** Python's ordering for the values GE sorts: numbers, then strings by code point; mixed types keep their order (Python raises and GE leaves them unsorted). */
export function pythonSorted<T>(values: readonly T[]): T[] {
  const numeric = values.every((v) => typeof v === 'number' || typeof v === 'boolean');
  const text = values.every((v) => typeof v === 'string');
  if (numeric) return [...values].sort((a, b) => Number(a) - Number(b));
  if (text) return [...values].sort((a, b) => compareCodePoints(a as string, b as string));
  return [...values];
}

/** Delta's date and timestamp types, as DuckDB casts strings to them. */
export const TEMPORAL_TYPES: Readonly<Record<string, string>> = { date: 'DATE', timestamp: 'TIMESTAMPTZ', timestamp_ntz: 'TIMESTAMP' };

/**
 * A date or timestamp as GE's JSON prints it: Python's isoformat for a scalar (`2026-01-01`,
 * `2026-01-01T00:00:00+00:00`, naive without the offset) or numpy's datetime64 text inside
 * lists of modes (`2026-01-01T00:00:00.000000`). DuckDB hands timestamps over at millisecond
 * precision, so microseconds beyond it are lost.
 */
export function geTemporal(value: unknown, type: string, style: 'iso' | 'numpy'): JsonValue {
  if (!(value instanceof Date)) return jsonValue(value);
  const iso = value.toISOString();
  if (type === 'date') return iso.slice(0, 10);
  const ms = iso.slice(20, 23);
  if (style === 'numpy') return `${iso.slice(0, 19)}.${ms}000`;
  return `${iso.slice(0, 19)}${ms === '000' ? '' : `.${ms}000`}${type === 'timestamp' ? '+00:00' : ''}`;
}
