import { ERROR_CODES, isErrorCode } from '../errors.js';

/** HTTP status for an error code, from the catalogue (src/error-codes.ts). */
export function statusFor(code: string): number {
  return isErrorCode(code) ? ERROR_CODES[code].http : 500;
}
