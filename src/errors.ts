import type { ErrorCode } from './error-codes.js';

/**
 * The root of every error Aquifer throws on purpose.
 *
 * `code` is stable and crosses process boundaries (CLI exit output, HTTP bodies);
 * `value` is the offending input; `hint` tells the user what to do next.
 * Tests assert on `code`, never on message wording.
 */
export class AquiferError extends Error {
  readonly code: ErrorCode;
  readonly value: unknown;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options: { value?: unknown; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.value = options.value;
    this.hint = options.hint ?? '';
  }

  toJSON(): { code: ErrorCode; message: string; hint: string; value?: unknown } {
    const body: { code: ErrorCode; message: string; hint: string; value?: unknown } = {
      code: this.code,
      message: this.message,
      hint: this.hint,
    };
    if (this.value !== undefined) body.value = this.value;
    return body;
  }
}

export { ERROR_CODES, isErrorCode, type ErrorCode, type ErrorCodeEntry } from './error-codes.js';

export function isAquiferError(error: unknown): error is AquiferError {
  return error instanceof AquiferError;
}

/** Render an unknown thrown value as a one-line message without losing AquiferError details. */
export function describeError(error: unknown): string {
  if (error instanceof AquiferError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
