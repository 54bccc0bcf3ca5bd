import { sqlDouble } from './merged-values.js';

/**
 * The bin edges `np.histogram_bin_edges(values, bins='sturges')` gives, from the values'
 * extremes and count alone (numpy/lib/_histograms_impl.py, numpy 2.x): width = range /
 * (log2(n) + 1), at least 1 for integer data; ceil(range / width) bins; the edges by
 * `np.linspace`, the last one the maximum itself. Evidently bins both samples together on
 * them for Jensen–Shannon, PSI and KL when the reference has more than 20 distinct numbers.
 */
export function sturgesEdges(min: number, max: number, count: number, integerData: boolean): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let width = (max - min) / (Math.log2(count) + 1);
  let bins = 1;
  if (width !== 0) {
    if (integerData && width < 1) width = 1;
    bins = Math.ceil((last - first) / width);
  }
  return linspace(first, last, bins + 1);
}

/** `np.linspace(start, stop, num)`: i·step + start, with the last edge exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const edges = Array.from({ length: num }, (_, i) => (step === 0 ? (i / div) * delta : i * step) + start);
  edges[num - 1] = stop;
  return edges;
}

/**
 * The SQL bin (0-based) of `value` among `edges` as `np.histogram` with explicit edges
 * counts it: edges[i] <= value < edges[i+1], the last bin closed on the right. Values lie
 * within the edges (they come from the data's own extremes). The count of interior edges
 * at or below the value, written out: Sturges gives a few dozen bins at most.
 */
export function binIndexSql(value: string, edges: readonly number[]): string {
  const interior = edges.slice(1, -1);
  if (interior.length === 0) return '0';
  return interior.map((edge) => `(${value} >= ${sqlDouble(edge)})::INTEGER`).join(' + ');
}
