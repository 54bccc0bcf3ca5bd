import { AquiferError } from '../errors.js';

/** A feature definition that cannot be used: names what is wrong and where. */
export class FeatureDefinitionError extends AquiferError {
  constructor(message: string, value: unknown, hint: string) {
    super('FEATURE_DEFINITION_INVALID', message, { value, hint });
  }
}

export class FeatureNotFoundError extends AquiferError {
  constructor(reference: string, known: readonly string[]) {
    super('FEATURE_NOT_FOUND', `No feature '${reference}'`, {
      value: reference,
      hint: known.length === 0 ? 'Define feature views first.' : `Reference features as view:feature, e.g. ${known.slice(0, 3).join(', ')}.`,
    });
  }
}
