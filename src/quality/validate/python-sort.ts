import { compareCodePoints } from '../../engine/index.js';
import type { JsonValue } from './results.js';

/**
 * Python's `<` on the values GE sorts, where JSON null stands for NaN (which pandas puts in
 * a missing numeric cell): NaN is neither less nor greater than anything, tuples compare at
 * their first unequal element, numbers and strings as usual, mixed kinds never less.
 */
export function pythonLess(a: JsonValue, b: JsonValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return typeof a !== 'string' && typeof b !== 'string' && Number(a) < Number(b);
  // Python orders text by code point; JavaScript's < by UTF-16 unit, which differs past U+FFFF.
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b) < 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const differs = a.findIndex((v, i) => i < b.length && !pythonEqual(v, b[i] ?? null));
    if (differs >= 0 && differs < b.length) return pythonLess(a[differs] ?? null, b[differs] ?? null);
    return a.length < b.length;
  }
  return false;
}

function pythonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === null || b === null) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => pythonEqual(v, b[i] ?? null));
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) === Number(b);
  return a === b;
}

/**
 * CPython 3.11's `list.sort` for short lists (under 64 items, which is all GE sorts here: at
 * most 20 counts): the leading run (reversed if strictly descending), then binary insertion.
 * With NaN the order is not total, so only the same steps give the same order as GE.
 */
export function pythonSort<T>(items: readonly T[], less: (a: T, b: T) => boolean): T[] {
  const a = [...items];
  const n = a.length;
  if (n < 2) return a;
  if (n >= 64) return a.sort((x, y) => (less(x, y) ? -1 : less(y, x) ? 1 : 0));
  let run = 2;
  if (less(a[1] as T, a[0] as T)) {
    while (run < n && less(a[run] as T, a[run - 1] as T)) run++;
    const head = a.slice(0, run).reverse();
    a.splice(0, run, ...head);
  } else {
    while (run < n && !less(a[run] as T, a[run - 1] as T)) run++;
  }
  for (let start = run; start < n; start++) {
    const pivot = a[start] as T;
    let l = 0;
    let r = start;
    while (l < r) {
      const p = l + ((r - l) >> 1);
      if (less(pivot, a[p] as T)) r = p;
      else l = p + 1;
    }
    a.splice(start, 1);
    a.splice(l, 0, pivot);
  }
  return a;
}
