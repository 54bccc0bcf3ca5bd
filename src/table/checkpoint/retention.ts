import { WriteInvalidError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  millisecond: 1,
  ms: 1,
  second: 1000,
  sec: 1000,
  minute: 60_000,
  min: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/**
 * A Delta duration property such as `interval 1 week` or `interval 30 days 12 hours`
 * (Spark's calendar-interval text), in milliseconds; the default when unset.
 */
export function parseRetention(text: string | undefined, fallbackMs: number, property: string): number {
  if (text === undefined) return fallbackMs;
  const parts = text
    .trim()
    .toLowerCase()
    .replace(/^interval\s+/, '')
    .split(/\s+/);
  let total = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const amount = Number(parts[i]);
    const unit = (parts[i + 1] ?? '').replace(/s$/, '');
    const ms = UNIT_MS[unit];
    if (!Number.isFinite(amount) || amount < 0 || ms === undefined) {
      throw new WriteInvalidError(
        'TABLE_PROPERTY_INVALID',
        `${property} is '${text}', which is not a duration`,
        text,
        "Write it as Delta does, e.g. 'interval 7 days' or 'interval 1 week'.",
      );
    }
    total += amount * ms;
  }
  return total;
}

export const DEFAULT_LOG_RETENTION_MS = 30 * 86_400_000;
export const DEFAULT_DELETED_FILE_RETENTION_MS = 7 * 86_400_000;
