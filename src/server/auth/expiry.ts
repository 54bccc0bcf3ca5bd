import { AquiferError } from '../../errors.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90m` from now, or an ISO date/time; the instant the token stops working. */
export function parseExpiry(text: string, now: number = Date.now()): Date {
  const relative = /^(\d+)([mhd])$/.exec(text.trim());
  if (relative !== null) return new Date(now + Number(relative[1]) * (UNITS[relative[2] as string] as number));
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim()))
    throw new AquiferError('TOKEN_OPTIONS_INVALID', `'${text}' is not an expiry`, {
      value: text,
      hint: 'Give a duration such as 30d, 12h or 90m, or an ISO date such as 2027-01-01.',
    });
  if (at <= now) throw new AquiferError('TOKEN_OPTIONS_INVALID', `'${text}' is in the past`, { value: text, hint: 'Give an expiry in the future.' });
  return new Date(at);
}
