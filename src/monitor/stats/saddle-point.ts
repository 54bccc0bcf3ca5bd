import gammaln from '@stdlib/math-base-special-gammaln';

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const FACTORIALS = Array.from({ length: 16 }, (_, k) => Array.from({ length: k }, (__, i) => i + 1).reduce((p, i) => p * i, 1));

/**
 * Stirling's error log Γ(a+1) - log(√(2πa) (a/e)^a) (Loader; R's stirlerr): up to 15 from the
 * exact factorial for a whole a, else from log Γ; above 15 by its asymptotic series.
 */
export function stirlingError(a: number): number {
  if (a <= 15) {
    const logFactorial = Number.isInteger(a) ? Math.log(FACTORIALS[a] as number) : gammaln(a + 1);
    return logFactorial - (a + 0.5) * Math.log(a) + a - LN_SQRT_2PI;
  }
  const aa = a * a;
  const S0 = 1 / 12;
  const S1 = 1 / 360;
  const S2 = 1 / 1260;
  const S3 = 1 / 1680;
  const S4 = 1 / 1188;
  if (a > 500) return (S0 - S1 / aa) / a;
  if (a > 80) return (S0 - (S1 - S2 / aa) / aa) / a;
  if (a > 35) return (S0 - (S1 - (S2 - S3 / aa) / aa) / aa) / a;
  return (S0 - (S1 - (S2 - (S3 - S4 / aa) / aa) / aa) / aa) / a;
}

/**
 * The deviance x·log(x/m) + m - x without cancellation (Loader's bd0), given the difference
 * x - m exactly where the caller has it (a rounded m would lose it).
 */
export function deviance(x: number, m: number, difference: number = x - m): number {
  if (Math.abs(difference) < 0.1 * (x + m)) {
    let v = difference / (x + m);
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
  return x * Math.log1p(difference / m) - difference;
}
