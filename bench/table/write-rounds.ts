/**
 * Rounds for the write benchmarks, whose contenders each run in a process of their own and
 * report their own time: one untimed round whose results must agree before anything is
 * timed, then `runs` timed rounds, the order rotating from round to round so that drift in
 * the machine (page cache, write-back of the last contender's output) hits all alike. The
 * results of every round are checked too, so no reported figure comes from a wrong result.
 */
import { log } from './measure.js';

export interface Measured {
  /** The contender's own time for the work, taken inside its process. */
  ms: number;
  peakRss: number;
  [key: string]: unknown;
}

export interface WriteContender {
  /** Untimed: a fresh copy of the input, the last run's output removed. */
  prepare?: () => Promise<void>;
  run: () => Promise<Measured>;
}

export async function writeRounds(
  part: string,
  contenders: Record<string, WriteContender>,
  runs: number,
  check: (round: number) => Promise<void>,
): Promise<Record<string, Measured[]>> {
  const names = Object.keys(contenders);
  const timed = new Map<string, Measured[]>(names.map((name) => [name, []]));
  for (let round = -1; round < runs; round++) {
    const shift = Math.max(0, round) % names.length;
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      const contender = contenders[name] as WriteContender;
      await contender.prepare?.();
      const result = await contender.run();
      log(`${part} ${round < 0 ? 'agreement round' : `round ${round + 1} of ${runs}`}: ${name} ${(result.ms / 1000).toFixed(2)} s`);
      if (round >= 0) timed.get(name)?.push(result);
    }
    await check(round);
  }
  return Object.fromEntries(timed);
}

/** The median run (the lower middle one for an even count), reported with all its figures. */
export function medianRun(runs: readonly Measured[]): Measured {
  return [...runs].sort((a, b) => a.ms - b.ms)[Math.floor((runs.length - 1) / 2)] as Measured;
}

/** Throws, ending the benchmark, unless every contender's value is the same. */
export function assertAgree(what: string, values: Record<string, unknown>): void {
  const texts = Object.entries(values).map(([name, value]) => [name, JSON.stringify(value)] as const);
  if (texts.some(([, text]) => text !== texts[0]?.[1])) {
    throw new Error(`${what}: the contenders disagree, so nothing is timed or reported:\n${texts.map(([name, text]) => `  ${name}: ${text}`).join('\n')}`);
  }
}
