import { AquiferError, type ErrorCode } from '../errors.js';

export class IngestError extends AquiferError {
  constructor(code: ErrorCode, message: string, value: unknown, hint: string, cause?: unknown) {
    super(code, message, { value, hint, cause });
  }
}
