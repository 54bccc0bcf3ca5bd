import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** Generated data lives outside the repository and is reused across runs. */
export function benchCache(): string {
  return path.join(process.env['AQUIFER_CACHE'] ?? path.join(os.homedir(), '.cache', 'aquifer'), 'bench');
}

/** Timed runs after warm-up; BENCH_RUNS lowers or raises the count (never below 5). */
export const RUNS = Math.max(5, Number(process.env['BENCH_RUNS'] ?? 11));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The nearest-rank percentile (`p` in percent) of values sorted ascending; NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/**
 * One warm-up, then `RUNS` rounds. Contenders alternate within each round so that drift
 * in the machine (page cache, frequency scaling) hits all of them alike.
 */
export async function compare(contenders: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const names = Object.keys(contenders);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = -1; round < RUNS; round++) {
    for (const name of names) {
      const { ms } = await timed(contenders[name] as () => Promise<unknown>);
      if (round >= 0) samples.get(name)?.push(ms);
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples.get(name) ?? [])]));
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
