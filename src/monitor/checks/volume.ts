import { MonitorNoDataError } from '../errors.js';
import type { VolumeMonitor } from '../monitors/definition.js';
import type { CheckContext, CheckOutcome } from './check.js';
import { rowsPerCommit } from './commit-rows.js';

export const DEFAULT_VOLUME_WINDOWS = 14;
export const DEFAULT_VOLUME_STDDEVS = 3;
/** A band needs at least this many trailing windows; with fewer only min/max apply. */
const MIN_BAND_WINDOWS = 2;
const DAY_MS = 86_400_000;

/**
 * Rows added per commit (the newest data-adding commit) or per day (the last complete UTC
 * day before `now`), against fixed `min`/`max` when given, else the trailing band of the
 * `windows` before it (mean ± stddevs·sample stddev). Counted from the Delta log, never by scanning.
 */
export async function checkVolume(monitor: VolumeMonitor, context: CheckContext): Promise<CheckOutcome> {
  const windows = monitor.windows ?? DEFAULT_VOLUME_WINDOWS;
  const snapshot = await context.table.snapshot();
  let current: number;
  let trailing: number[];
  let window: string;
  if (monitor.per === 'commit') {
    const { commits } = await rowsPerCommit(context.table, { count: windows + 1 });
    const [latest, ...before] = commits;
    if (latest === undefined) throw new MonitorNoDataError(monitor.name, `table ${monitor.table} has no commit that added rows`);
    current = latest.rows;
    trailing = before.slice(0, windows).map((c) => c.rows);
    window = `version ${latest.version}`;
  } else {
    const today = Math.floor(context.now / DAY_MS) * DAY_MS;
    const first = today - (windows + 1) * DAY_MS;
    const perDay = new Array<number>(windows + 1).fill(0);
    const read = await rowsPerCommit(context.table, { since: first });
    for (const commit of read.commits) {
      const index = Math.floor((commit.timestamp - first) / DAY_MS);
      if (index >= 0 && index <= windows) perDay[index] = (perDay[index] as number) + commit.rows;
    }
    current = perDay[windows] as number;
    // Days before the table existed are not days of no rows: the band is drawn from the days since.
    const existed = read.created === undefined ? 0 : Math.max(0, Math.floor((read.created - first) / DAY_MS));
    trailing = perDay.slice(existed, windows).reverse();
    window = `day ${new Date(today - DAY_MS).toISOString().slice(0, 10)}`;
  }
  // Fixed bounds when the monitor gives any; the trailing band otherwise.
  const bounded = monitor.min !== undefined || monitor.max !== undefined;
  const band = !bounded && trailing.length >= MIN_BAND_WINDOWS ? bandOf(trailing, monitor.stddevs ?? DEFAULT_VOLUME_STDDEVS) : undefined;
  const min = bounded ? monitor.min : band?.min;
  const max = bounded ? monitor.max : band?.max;
  const threshold: { min?: number; max?: number } = {};
  if (min !== undefined) threshold.min = min;
  if (max !== undefined) threshold.max = max;
  const breach = (min !== undefined && current < min) || (max !== undefined && current > max);
  return {
    status: breach ? 'breach' : 'ok',
    value: current,
    threshold,
    tableVersion: snapshot.version,
    details: {
      per: monitor.per,
      window,
      trailing,
      ...(bounded ? {} : band === undefined ? { band: null, note: `fewer than ${MIN_BAND_WINDOWS} trailing windows: no band yet` } : { band }),
    },
  };
}

function bandOf(values: readonly number[], stddevs: number): { mean: number; stddev: number; min: number; max: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  const stddev = Math.sqrt(variance);
  return { mean, stddev, min: Math.max(0, mean - stddevs * stddev), max: mean + stddevs * stddev };
}
