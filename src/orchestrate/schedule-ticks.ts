import { Cron } from 'croner';
import type { Schedule } from './definition.js';

/**
 * The tick a schedule owes between `after` (exclusive: the last tick already evaluated) and
 * `now` (inclusive), or undefined when none fell in between. Of several missed ticks (the
 * scheduler was down) only the latest is owed: catching up runs an asset once, not once per
 * missed tick. Times are the schedule's wall clock in its time zone, so `0 3 * * *` in
 * Europe/Berlin is 03:00 there in winter and in summer; a time a spring change skips runs at
 * the first minute after the gap (croner's rule).
 */
export function dueTick(schedule: Schedule, after: Date, now: Date): Date | undefined {
  const cron = new Cron(schedule.cron, { paused: true, ...(schedule.timezone === undefined ? {} : { timezone: schedule.timezone }) });
  const first = cron.nextRun(after);
  if (first === null || first.getTime() > now.getTime()) return undefined;
  // previousRuns leaves out a tick at its reference's very second: look from a second later and
  // drop a tick after `now` (ticks are whole seconds, `now` need not be).
  const [latest, before] = cron.previousRuns(2, new Date(now.getTime() + 1000));
  if (latest !== undefined && latest.getTime() <= now.getTime()) return latest;
  return before !== undefined && before.getTime() > after.getTime() ? before : first;
}

/**
 * The daily partition a tick runs: the day before the tick's day in the schedule's time zone,
 * the last whole day when the tick falls (as Dagster's daily partitioned schedules do).
 */
export function tickPartition(schedule: Schedule, tick: Date): string {
  const local = new Intl.DateTimeFormat('en-CA', { timeZone: schedule.timezone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(tick);
  const day = new Date(`${local}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}
