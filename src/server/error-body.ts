import { isAquiferError } from '../errors.js';
import { log } from '../log.js';
import { statusFor } from './http-status.js';

export interface ErrorBody {
  status: number;
  body: { error: { code: string; message: string; hint?: string; value?: unknown } };
}

/** The status and JSON body for an error: typed errors show their code, message and hint; anything else is logged and hidden. */
export function errorBody(error: unknown): ErrorBody {
  if (isAquiferError(error)) {
    const status = statusFor(error.code);
    if (status >= 500) log.error({ err: error, code: error.code }, 'request failed');
    return { status, body: { error: error.toJSON() } };
  }
  log.error({ err: error }, 'unexpected error in a request');
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'An unexpected error occurred; it has been logged.', hint: 'Retry; if it persists, report it with the server log.' } } };
}
