import type { HistogramBin } from './profile.js';

/** Fixed-width bins between a column's min and max: their edges, and the SQL giving a value's bin. */
export interface Binning {
  edges: number[];
  bin(value: string): string;
}

const double = (n: number): string => `${String(n)}::DOUBLE`;

/**
 * `bins` equal bins from lo to hi, the last closed; integers spanning fewer values than
 * that get one bin per value instead (a bin [2, 2.9) of an integer column says nothing).
 */
export function binning(lo: number, hi: number, integral: boolean, bins: number): Binning {
  if (integral && hi - lo + 1 <= bins) {
    const count = hi - lo + 1;
    return { edges: Array.from({ length: count + 1 }, (_, i) => lo + i), bin: (v) => `(${v} - ${String(lo)})::BIGINT` };
  }
  if (lo === hi) return { edges: [lo, hi], bin: () => '0::BIGINT' };
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  return { edges, bin: (v) => `least(floor((${v}::DOUBLE - ${double(lo)}) / ${double(width)}), ${bins - 1})::BIGINT` };
}

/** The bins with their counts, from DuckDB's `histogram()` map (bin number → count); empty bins too. */
export function histogramCounts(binning: Binning, map: unknown): HistogramBin[] {
  const counts = new Map<number, number>();
  for (const [k, v] of mapEntries(map)) counts.set(Number(k), Number(v));
  return binning.edges.slice(0, -1).map((lower, i) => ({ lower, upper: binning.edges[i + 1] as number, count: counts.get(i) ?? 0 }));
}

function mapEntries(map: unknown): [unknown, unknown][] {
  if (map === null || map === undefined) return [];
  if (map instanceof Map) return [...map.entries()];
  if (Array.isArray(map)) return map.map((e: { key?: unknown; value?: unknown }) => [e.key, e.value]);
  if (typeof map === 'object') return Object.entries(map);
  return [];
}

/** numpy's `np.around`: halves to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The 0-based index among `n` sorted values that pandas' "nearest" quantile picks (GE's
 * default): round_half_even((n-1)·q), with q taken through pandas' ×100 ÷100
 * (docs/ge-semantics.md §4a).
 */
export function nearestPosition(n: number, q: number): number {
  return Math.min(n - 1, Math.max(0, roundHalfEven((n - 1) * ((q * 100) / 100))));
}
