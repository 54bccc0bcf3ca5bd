/** A duration as monitors write it: a whole number and a unit, `30s`, `15m`, `2h`, `1d`, `1w`. */
export const DURATION_PATTERN = /^(\d{1,9})(s|m|h|d|w)$/;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The duration in milliseconds, or undefined when the text is not one (the schema reports where). */
export function durationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}
