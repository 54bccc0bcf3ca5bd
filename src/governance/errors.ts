import { AquiferError } from '../errors.js';

/** A tag that breaks the rules (charset, length), or too many tags on one column. */
export class TagInvalidError extends AquiferError {
  constructor(code: 'GOVERNANCE_TAG_INVALID' | 'GOVERNANCE_TAG_LIMIT', message: string, value: unknown, hint: string) {
    super(code, message, { value, hint });
  }
}
