import erf from '@stdlib/math-base-special-erf';
import erfc from '@stdlib/math-base-special-erfc';
import { upperRegularizedGamma } from './gamma.js';

/**
 * The normal CDF as scipy.special.ndtr computes it (cephes' ndtr: erf near 0, erfc in the
 * tails, 1 - erfc/2 above), so that Evidently's `1 - norm.cdf(|z|)` rounds as it does there.
 */
export function normalCdf(a: number): number {
  if (Number.isNaN(a)) return Number.NaN;
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

/** Pr(X > x) for X ~ χ²(df): scipy's chi2.sf, the regularized upper incomplete gamma Q(df/2, x/2). */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x <= 0) return 1;
  return upperRegularizedGamma(df / 2, x / 2);
}
