import { AquiferError } from '../errors.js';

export class IngestError extends AquiferError {
  constructor(code: string, message: string, value: unknown, hint: string, cause?: unknown) {
    super(code, message, { value, hint, cause });
  }
}
