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
const LN_SQRT_2PI = 0.5 * LN_2PI;

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
const FACTORIALS = Array.from({ length: 16 }, (_, k) => Array.from({ length: k }, (__, i) => i + 1).reduce((p, i) => p * i, 1));

/**
 * Stirling's error log(k!) - log(√(2πk) (k/e)^k) for a whole k ≥ 1: from the exact
 * factorial up to 15, above by its asymptotic series (Loader; R's stirlerr).
 */
function stirlingError(k: number): number {
  if (k <= 15) return Math.log(FACTORIALS[k] as number) - (k + 0.5) * Math.log(k) + k - LN_SQRT_2PI;
  const kk = k * k;
  const S0 = 1 / 12;
  const S1 = 1 / 360;
  const S2 = 1 / 1260;
  const S3 = 1 / 1680;
  const S4 = 1 / 1188;
  if (k > 500) return (S0 - S1 / kk) / k;
  if (k > 80) return (S0 - (S1 - S2 / kk) / kk) / k;
  if (k > 35) return (S0 - (S1 - (S2 - S3 / kk) / kk) / kk) / k;
  return (S0 - (S1 - (S2 - (S3 - S4 / kk) / kk) / kk) / kk) / k;
}

/**
 * The binomial deviance x·log(x/np) + np - x (Loader's bd0), given the difference
 * x - np exactly (it is ±n·x here, which the rounded np would lose).
 */
function deviance(x: number, np: number, difference: number): number {
  if (Math.abs(difference) < 0.1 * (x + np)) {
    let v = difference / (x + np);
    let s = difference * v;
    if (Math.abs(s) < Number.MIN_VALUE) return s;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
  }
  return x * Math.log1p(difference / np) - difference;
}
