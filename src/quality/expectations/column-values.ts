import type { DataShape } from './definition.js';
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

function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
