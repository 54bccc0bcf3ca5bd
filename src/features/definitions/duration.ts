import { FeatureDefinitionError, type FeatureErrorCode } from '../errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds in a duration written as `90s`, `10m`, `1h`, `7d` or `2w` (or given as seconds); `code` says which duration a bad one was (a TTL, a window). */
export function durationSeconds(value: string | number, what: string, code: FeatureErrorCode = 'FEATURE_DEFINITION_DURATION_INVALID'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new FeatureDefinitionError(code, `${what} must be a non-negative number of seconds`, value, 'Give seconds, or a duration like 1h or 7d.');
    return value;
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(value);
  if (match === null) throw new FeatureDefinitionError(code, `${what} '${value}' is not a duration`, value, 'Write it like 90s, 10m, 1h, 7d or 2w.');
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
