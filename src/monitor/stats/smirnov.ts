import { deviance, stirlingError } from './saddle-point.js';

/**
 * The one-sided Smirnov survival function Pr(D+_n > x), as scipy.special.smirnov(n, x)
 * returns it, by the Birnbaum–Tingey sum of positive terms
 *   x · Σ_{v=0}^{⌊n(1-x)⌋} C(n, v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v).
 * scipy sums it in double-double arithmetic; here each term is a binomial probability
 * C(n, v) a^v (1-a)^(n-v) / a with a = x + v/n, computed by Loader's saddle-point form
 * (Stirling's error and the deviance bd0, as R's dbinom) from n·x split exactly into two
 * doubles, so no power of a rounded base is taken and the terms keep ~1e-13 relative accuracy
 * up to n = 10^6. scipy's special cases (x ≤ 1/n, x ≥ 1 - 1/n, underflow, n > 10^6) are its own.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const [nxHi, nxLo] = twoProduct(n, x);
  let nxFloor = Math.floor(nxHi);
  if (nxFloor === nxHi && nxLo < 0) nxFloor -= 1;
  let alpha = nxHi - nxFloor + nxLo;
  if (alpha >= 1) {
    nxFloor += 1;
    alpha = 0;
  }
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) return clip(1 - x * Math.exp((n - 1) * Math.log1p(x)));
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return clip(Math.exp(n * Math.log1p(-x)));
  if (n > MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  // Terms v = 0 .. n - ⌊nx⌋ - 1 (the term whose 1 - x - v/n is 0 drops out).
  const last = n - nxFloor - 1;
  let sum = Math.exp(n * Math.log1p(-x)) / x;
  let compensation = 0;
  const lnStirlingN = stirlingError(n);
  for (let v = 1; v <= last; v++) {
    // n·a = v + n·x and n·(1 - a) = (n - v) - n·x, each from the exact split of n·x.
    const na = v + nxHi + nxLo;
    const nb = n - v - nxHi - nxLo;
    if (!(nb > 0)) break;
    const lc = lnStirlingN - stirlingError(v) - stirlingError(n - v) - deviance(v, na, -(nxHi + nxLo)) - deviance(n - v, nb, nxHi + nxLo);
    const lf = LN_2PI + Math.log(v) + Math.log1p(-v / n);
    const term = Math.exp(lc - 0.5 * lf) / (na / n);
    // Neumaier's compensated sum: the terms are all positive but many.
    const t = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
    const remaining = last + 1 - v;
    if (term !== 0) {
      if (4 * remaining * term < Number.EPSILON * (sum + compensation) && v !== last) break;
    } else if (v > n / 2) break;
  }
  return clip(x * (sum + compensation));
}

/** scipy's SMIRNOV_MAX_COMPUTE_N: above it, an approximation. */
const MAX_COMPUTE_N = 1_000_000;
/** cephes' MINLOG, log(2^-1022). */
const MIN_LOG = -708.3964185322641;
const LN_2PI = Math.log(2 * Math.PI);

const clip = (p: number): number => Math.min(1, Math.max(0, p));

/** a·b as hi + lo exactly (Dekker's product: JavaScript has no fused multiply-add). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function split(a: number): [number, number] {
  const c = 134217729 * a;
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** Exact factorials while they fit a double exactly. */
