import { quoteLiteral } from '../../engine/index.js';
import { ModelMonitorOptionsError } from './errors.js';

/** Bounds on the prediction log's time: from `since` (inclusive) to `until` (exclusive). */
export interface TimeBounds {
  since?: Date | string;
  until?: Date | string;
}

/** An instant given as a Date or as text Date can read (ISO 8601: `2026-05-01`, `2026-05-01T12:00:00Z`). */
export function instant(value: Date | string, option: string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new ModelMonitorOptionsError(
      `The ${option} time ${JSON.stringify(value)} is not a date`,
      value,
      'Give an ISO 8601 date or time, such as 2026-05-01 or 2026-05-01T12:00:00Z.',
    );
  return date;
}

/** SQL conditions on a time column for the bounds given (none for none). */
export function timeConditions(column: string, bounds: TimeBounds): string[] {
  const conditions: string[] = [];
  if (bounds.since !== undefined) conditions.push(`${column} >= ${quoteLiteral(instant(bounds.since, 'since').toISOString())}::TIMESTAMPTZ`);
  if (bounds.until !== undefined) conditions.push(`${column} < ${quoteLiteral(instant(bounds.until, 'until').toISOString())}::TIMESTAMPTZ`);
  return conditions;
}

/** The bounds as words for a label or message: ` since … until …`, or nothing. */
export function describeBounds(bounds: TimeBounds): string {
  return [
    bounds.since === undefined ? '' : ` since ${instant(bounds.since, 'since').toISOString()}`,
    bounds.until === undefined ? '' : ` until ${instant(bounds.until, 'until').toISOString()}`,
  ].join('');
}
