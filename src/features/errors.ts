import { AquiferError, type ErrorCode } from '../errors.js';

/** The feature store's codes: one per kind of definition problem, so callers can tell them apart. */
export type FeatureErrorCode = Extract<ErrorCode, `FEATURE_${string}`>;

/** A feature definition that cannot be used: the code says what kind of problem, the message where. */
export class FeatureDefinitionError extends AquiferError {
  constructor(code: FeatureErrorCode, message: string, value: unknown, hint: string) {
    super(code, message, { value, hint });
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
