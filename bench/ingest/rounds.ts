import { median, timed } from '../table/measure.js';

/** A contender: untimed preparation (clearing the last run's output), then the timed work. */
export interface Contender<T> {
  prepare?: () => Promise<void>;
  run: () => Promise<T>;
}

/**
 * One warm-up round, then `runs` timed rounds; contenders alternate within each round,
 * and the order rotates from round to round, so drift in the machine (page cache,
 * write-back of the previous contender's output, frequency scaling) hits them alike.
 * Returns each contender's median time, its samples and its results, for checking.
 */
export async function rounds<T>(
  contenders: Record<string, Contender<T>>,
  runs: number,
): Promise<Record<string, { ms: number; samples: number[]; results: T[] }>> {
  const names = Object.keys(contenders);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  const results = new Map<string, T[]>(names.map((name) => [name, []]));
  for (let round = -1; round < runs; round++) {
    const shift = Math.max(0, round) % names.length;
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      const contender = contenders[name] as Contender<T>;
      await contender.prepare?.();
      const { ms, value } = await timed(contender.run);
      results.get(name)?.push(value);
      if (round >= 0) samples.get(name)?.push(ms);
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, { ms: median(samples.get(name) ?? []), samples: samples.get(name) ?? [], results: results.get(name) ?? [] }]),
  );
}

/** Timed runs for the heavy ingestion benchmarks: `name` overrides (never below `floor`). */
export function runsFrom(name: string, fallback: number, floor = 3): number {
  return Math.max(floor, Number(process.env[name] ?? fallback));
}
