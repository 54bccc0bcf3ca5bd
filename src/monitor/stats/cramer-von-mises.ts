import gammaln from '@stdlib/math-base-special-gammaln';
import { besselK } from './bessel.js';

/**
 * The two-sample Cramér–von Mises p-value as Evidently 0.7 computes it (its own copy of
 * scipy's `cramervonmises_2samp` in cramer_von_mises_stattest.py), from U = nx·Σ(rx_i - i)² +
 * ny·Σ(ry_j - j)² over the average ranks of the merged samples (computed in DuckDB).
 * Only its asymptotic branch is ported: when neither sample has more than 20 values
 * Evidently counts exact null frequencies in float16/float32 arrays (np.min_scalar_type),
 * which moves its p-values by up to 1e-4, so no exact port can agree with it to 1e-9;
 * `cramerVonMisesApplies` says which sizes are served.
 */
export function cramerVonMisesPValue(u: number, nx: number, ny: number): number {
  if (!cramerVonMisesApplies(nx, ny)) throw new RangeError('the Cramér–von Mises p-value is served only when a sample has more than 20 values');
  const k = nx * ny;
  const N = nx + ny;
  const t = u / (k * N) - (4 * k - 1) / (6 * N);
  const et = (1 + 1 / N) / 6;
  // Python's integers are exact however large: BigInt keeps them so before the one rounding to float.
  const bk = BigInt(k);
  const bN = BigInt(N);
  const vtNumerator = (N + 1) * Number(4n * bk * bN - 3n * (BigInt(nx) ** 2n + BigInt(ny) ** 2n) - 2n * bk);
  const vt = vtNumerator / Number(45n * bN ** 2n * 4n * bk);
  const tn = 1 / 6 + (t - et) / Math.sqrt(45 * vt);
  if (tn < 0.003) return 1;
  return Math.max(0, 1 - limitingCdf(tn));
}

/** Whether Evidently takes its asymptotic branch (method 'auto': a sample of more than 20 values). */
export function cramerVonMisesApplies(nx: number, ny: number): boolean {
  return nx > 1 && ny > 1 && Math.max(nx, ny) > 20;
}

/** The limiting distribution of the statistic (Evidently's `_cdf_cvm_inf`), summed until a term is below 1e-7. */
function limitingCdf(x: number): number {
  let total = 0;
  for (let k = 0; ; k++) {
    const u = Math.exp(gammaln(k + 0.5) - gammaln(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x));
    const y = 4 * k + 1;
    const q = y ** 2 / (16 * x);
    const term = u * Math.sqrt(y) * Math.exp(-q) * besselK(0.25, q);
    total += term;
    if (!(Math.abs(term) >= 1e-7)) return total;
  }
}
