import { pairwiseSum } from './numpy.js';

/**
 * The p-value of the k-sample Anderson–Darling test for two samples, as scipy's
 * `anderson_ksamp` (scipy 1.17, midrank variant, no permutation method) derives it from the
 * A2akN statistic (computed in DuckDB over the merged distinct values): standardized by its
 * null mean and variance, then read off Scholz and Stephens' table by a quadratic fit of
 * log(significance) on the critical values, capped at 0.25 and floored at 0.001 as scipy does.
 */
export function andersonDarlingPValue(a2akn: number, sizes: readonly number[]): number {
  const k = sizes.length;
  const N = sizes.reduce((sum, n) => sum + n, 0);
  const H = pairwiseSum(sizes.map((n) => 1 / n));
  // hs_cs = cumsum(1 / arange(N - 1, 1, -1)); h = hs_cs[-1] + 1; g = sum(hs_cs / arange(2, N)).
  const quotients = new Float64Array(Math.max(0, N - 2));
  let running = 0;
  for (let i = 0; i < N - 2; i++) {
    running += 1 / (N - 1 - i);
    quotients[i] = running / (i + 2);
  }
  const h = running + 1;
  const g = pairwiseSum(quotients);
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  // N**3 and N**2 are Python integers there, exact until the product with a float rounds them once.
  const N3 = Number(BigInt(N) ** 3n);
  const N2 = Number(BigInt(N) ** 2n);
  const sigmaSquared = (a * N3 + b * N2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  const m = k - 1;
  const A2 = (a2akn - m) / Math.sqrt(sigmaSquared);
  const critical = B0.map((b0, i) => b0 + B1[i]! / Math.sqrt(m) + B2[i]! / m);
  if (A2 < Math.min(...critical)) return Math.max(...SIGNIFICANCE);
  if (A2 > Math.max(...critical)) return Math.min(...SIGNIFICANCE);
  const [c2, c1, c0] = quadraticFit(
    critical,
    SIGNIFICANCE.map((s) => Math.log(s)),
  );
  return Math.exp((c2 * A2 + c1) * A2 + c0);
}

/** Scholz and Stephens (1987), Table 2: the interpolation coefficients scipy uses. */
const B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
const SIGNIFICANCE = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/**
 * Least-squares coefficients [c2, c1, c0] of y ≈ c2·x² + c1·x + c0 (np.polyfit(x, y, 2)),
 * by Householder QR on the column-scaled Vandermonde matrix, as accurate as numpy's SVD here.
 */
function quadraticFit(x: readonly number[], y: readonly number[]): [number, number, number] {
  const rows = x.length;
  const A = x.map((v) => [v * v, v, 1]);
  const scale = [0, 1, 2].map((j) => Math.sqrt(A.reduce((s, row) => s + row[j]! ** 2, 0)));
  for (const row of A) for (let j = 0; j < 3; j++) row[j] = row[j]! / scale[j]!;
  const b = [...y];
  for (let j = 0; j < 3; j++) {
    let norm = 0;
    for (let i = j; i < rows; i++) norm += A[i]![j]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = A[j]![j]! > 0 ? -norm : norm;
    const v = new Array<number>(rows).fill(0);
    for (let i = j; i < rows; i++) v[i] = A[i]![j]!;
    v[j] = v[j]! - alpha;
    const vv = v.reduce((s, e) => s + e * e, 0);
    if (vv === 0) continue;
    for (let col = j; col < 3; col++) {
      let dot = 0;
      for (let i = j; i < rows; i++) dot += v[i]! * A[i]![col]!;
      for (let i = j; i < rows; i++) A[i]![col] = A[i]![col]! - (2 * dot * v[i]!) / vv;
    }
    let dot = 0;
    for (let i = j; i < rows; i++) dot += v[i]! * b[i]!;
    for (let i = j; i < rows; i++) b[i] = b[i]! - (2 * dot * v[i]!) / vv;
  }
  const coefficients = [0, 0, 0];
  for (let j = 2; j >= 0; j--) {
    let s = b[j]!;
    for (let col = j + 1; col < 3; col++) s -= A[j]![col]! * coefficients[col]!;
    coefficients[j] = s / A[j]![j]!;
  }
  return [coefficients[0]! / scale[0]!, coefficients[1]! / scale[1]!, coefficients[2]! / scale[2]!];
}
