import { kolmogorovSf } from './kolmogorov.js';
import { roundHalfEven } from './numpy.js';

/**
 * The two-sided p-value of the two-sample Kolmogorov–Smirnov test, as scipy's `ks_2samp`
 * (method 'auto', scipy 1.17) computes it from the statistic `d` and the sample sizes,
 * which is what Evidently's 'K-S p_value' reports. Up to 10,000 values per sample the
 * p-value is exact (`_attempt_exact_2kssamp`); above, it is `kstwo.sf(d, round(n1·n2/(n1+n2)))`.
 * The statistic itself is computed in DuckDB; only it and the sizes reach this function.
 */
export function ksTwoSamplePValue(d: number, n1: number, n2: number): number {
  if (!(n1 > 0 && n2 > 0)) throw new RangeError('ks_2samp needs two non-empty samples');
  let statistic = d;
  if (Math.max(n1, n2) <= MAX_AUTO_N) {
    const exact = exactPValue(n1, n2, d);
    if (exact.success) return clip(exact.p);
    statistic = exact.d;
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return clip(kolmogorovSf(roundHalfEven(en), statistic));
}

/** scipy's MAX_AUTO_N: 'auto' is exact while both samples have at most this many values. */
const MAX_AUTO_N = 10_000;

const clip = (p: number): number => Math.min(1, Math.max(0, p));

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** scipy's `_attempt_exact_2kssamp` for the two-sided alternative. */
function exactPValue(n1: number, n2: number, d: number): { success: boolean; d: number; p: number } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const rounded = h / lcm;
  if (h === 0) return { success: true, d: rounded, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  return { success: Number.isFinite(p) && p >= 0 && p <= 1, d: rounded, p };
}

/**
 * scipy's `_compute_prob_outside_square`: Pr(D_{n,n} >= h/n) for two samples of one size,
 * by a Horner-like scheme over the terms of the alternating sum, each divided by C(2n, n).
 */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * scipy's `_compute_outer_prob_inside_method` (scipy/stats/_stats_pythran.py): the share of
 * lattice paths from (0, 0) to (m, n) that leave the band |x/m - y/n| < h/lcm(m, n),
 * computed as one minus the paths inside (Viehmann's recursion) on a sliding column.
 */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(lenA, maxj - minj + (lastlen - curlen)));
  }
  return A[maxj - minj - 1] as number;
}
