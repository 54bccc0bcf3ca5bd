import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { besselK } from '../../../src/monitor/stats/bessel.js';
import { chiSquareSf } from '../../../src/monitor/stats/distributions.js';
import { kolmogorovSf } from '../../../src/monitor/stats/kolmogorov.js';
import { ksTwoSamplePValue } from '../../../src/monitor/stats/ks-two-sample.js';
import { smirnovSf } from '../../../src/monitor/stats/smirnov.js';
import { referencePython } from '../../support/reference-readers.js';
import { available, REPO_ROOT } from '../../support/shared.js';

/**
 * The p-value functions ported from scipy agree with scipy 1.17 itself (the reference venv)
 * to 1e-9 relative (1e-12 absolute near 0) over grids that reach every branch: the exact
 * two-sample K-S for equal and unequal sizes up to 10,000, kstwo's Ruben–Gambino ends,
 * Durbin matrix, Pomeranz, Pelz–Good and Smirnov branches, chi-square tails with up to a
 * million degrees of freedom, and K_1/4 from 1e-6 to 700.
 */
const python = referencePython();
const ready = available(`scipy in the reference venv at ${python ?? '(no interpreter)'}`, python !== undefined);

type Cases = Record<string, number[][]>;

function scipy(cases: Cases): Promise<Record<string, number[]>> {
  return new Promise((resolve, reject) => {
    const child = execFile(python as string, [path.join(REPO_ROOT, 'test', 'support', 'scipy_pvalues.py')], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error === null ? resolve(JSON.parse(stdout.replace(/\bNaN\b/g, 'null')) as Record<string, number[]>) : reject(error),
    );
    child.stdin?.end(JSON.stringify(cases));
  });
}

function mismatches(name: string, args: number[][], ours: number[], theirs: number[]): string[] {
  return args.flatMap((a, i) => {
    const [x, y] = [ours[i] as number, theirs[i] as number];
    const ok = x === y || Math.abs(x - y) <= 1e-12 || Math.abs(x - y) <= 1e-9 * Math.abs(y);
    return ok ? [] : [`${name}(${a.join(', ')}): ours ${x}, scipy ${y}`];
  });
}

const KS_N = [5, 37, 100, 140, 141, 198, 500, 952, 5000, 99_999, 100_001, 2_000_000];
const KS_X = [0.0005, 0.001, 0.003, 0.006, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99];
const grid = KS_N.flatMap((n) => KS_X.map((x) => [n, x]));
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const SIZES = [
  [200, 200],
  [300, 200],
  [1000, 800],
  [137, 1000],
  [5000, 7000],
  [10_000, 9000],
  [10_000, 10_000],
];
const exact = SIZES.flatMap(([a, b]) =>
  [0.01, 0.02, 0.035, 0.05, 0.08, 0.1, 0.2, 0.4, 0.7].map((d) => {
    const lcm = (a! / gcd(a!, b!)) * b!;
    return [a!, b!, Math.round(d * lcm) / lcm];
  }),
);
const CHI = [
  [3, 2],
  [100, 5],
  [1000, 3],
  [0.001, 4],
  [50, 49],
  [1e4, 9999],
  [9800, 9999],
  [10_300, 9999],
  [12_000, 9999],
  [1e6, 999_999],
  [1.002e6, 999_999],
  [1, 1],
  [30, 1],
  [150, 99],
  [400, 99],
];
const KV = [1e-6, 1e-3, 0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 300, 600].map((x) => [0.25, x]);

describe.skipIf(!ready)("p-values ported from scipy agree with scipy's", () => {
  it('agree on kstwo.sf, smirnov, the exact two-sample K-S, chi2.sf and kv', async () => {
    const cases: Cases = { kstwo_sf: grid, smirnov: grid, ks_exact: exact, chi2_sf: CHI, kv: KV };
    const theirs = await scipy(cases);
    expect([
      ...mismatches(
        'kstwo.sf',
        grid,
        grid.map(([n, x]) => kolmogorovSf(n!, x!)),
        theirs['kstwo_sf']!,
      ),
      ...mismatches(
        'smirnov',
        grid,
        grid.map(([n, x]) => smirnovSf(n!, x!)),
        theirs['smirnov']!,
      ),
      ...mismatches(
        'ks_2samp exact',
        exact,
        exact.map(([a, b, d]) => ksTwoSamplePValue(d!, a!, b!)),
        theirs['ks_exact']!,
      ),
      ...mismatches(
        'chi2.sf',
        CHI,
        CHI.map(([x, df]) => chiSquareSf(x!, df!)),
        theirs['chi2_sf']!,
      ),
      ...mismatches(
        'kv',
        KV,
        KV.map(([nu, x]) => besselK(nu!, x!)),
        theirs['kv']!,
      ),
    ]).toEqual([]);
  }, 120_000);

  it('takes kstwo.sf(d, round(n1·n2/(n1+n2))) above 10,000 values per sample, as ks_2samp does', () => {
    expect(ksTwoSamplePValue(0.02, 800, 12_000)).toBe(kolmogorovSf(750, 0.02));
    expect(ksTwoSamplePValue(0.02, 12_000, 15_000)).toBe(kolmogorovSf(6667, 0.02));
  });

  it('gives 1 when the samples never differ and 0 past certainty', () => {
    expect(ksTwoSamplePValue(0, 200, 300)).toBe(1);
    expect(chiSquareSf(0, 3)).toBe(1);
    expect(chiSquareSf(Number.POSITIVE_INFINITY, 3)).toBe(0);
  });
});
