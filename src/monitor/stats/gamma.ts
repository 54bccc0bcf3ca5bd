import gammaln from '@stdlib/math-base-special-gammaln';
import { deviance, stirlingError } from './saddle-point.js';

/**
 * The regularized upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a), to ~1e-14
 * relative for any a (scipy's igamc is as accurate). @stdlib's gammainc is not: for a in the
 * thousands near x = a it is off in the second digit (Q(4999.5, 5000) comes out 0.5009 for
 * 0.4953), and a chi-square over thousands of categories lands there.
 * The prefactor x^a e^-x / Γ(a+1) is Loader's (Stirling's error and the deviance, no
 * cancelling logarithms); then the series for P below x = a + 1 and Legendre's continued
 * fraction for Q above, as Numerical Recipes' gammp/gammq.
 */
export function upperRegularizedGamma(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const prefactor = powerExpOverGamma(a, x);
  if (prefactor === 0) return x > a ? 0 : 1;
  if (x < a + 1) {
    // P(a, x) = x^a e^-x / Γ(a+1) · Σ_n x^n / ((a+1)(a+2)…(a+n)).
    let term = 1;
    let sum = 1;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * Number.EPSILON) break;
    }
    return Math.max(0, 1 - prefactor * sum);
  }
  // Q(a, x) = x^a e^-x / Γ(a) · 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- …))), by Lentz's method.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < Number.EPSILON) break;
  }
  return Math.min(1, prefactor * a * h);
}

const MAX_ITERATIONS = 10_000_000;

/** x^a e^-x / Γ(a+1), as exp(-stirlerr(a) - bd0(a, x)) / √(2πa). */
function powerExpOverGamma(a: number, x: number): number {
  if (a < 1) return Math.exp(a * Math.log(x) - x - gammaln(a + 1));
  return Math.exp(-stirlingError(a) - deviance(a, x)) / Math.sqrt(2 * Math.PI * a);
}
