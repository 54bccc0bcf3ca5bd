import { AquiferError } from '../errors.js';

export type DriftSide = 'reference' | 'current';

/** A reference or current relation cannot be read: a missing or unreadable file, a filter DuckDB refuses. */
export class DriftSourceInvalidError extends AquiferError {
  constructor(side: DriftSide, label: string, reason: string, cause?: unknown) {
    super('DRIFT_SOURCE_INVALID', `The ${side} data (${label}) cannot be read: ${reason}`, {
      value: label,
      hint: 'Check the table name or file path, and that a --where filter is SQL over its columns.',
      cause,
    });
  }
}

/** The reference or the current data has no rows: there is nothing to compare. */
export class DriftSourceEmptyError extends AquiferError {
  constructor(side: DriftSide, label: string) {
    super('DRIFT_SOURCE_EMPTY', `The ${side} data (${label}) has no rows`, {
      value: label,
      hint: `Point --${side} at a version or filter that holds rows.`,
    });
  }
}

/** A column asked for is missing from one side. */
export class DriftColumnNotFoundError extends AquiferError {
  constructor(column: string, side: DriftSide, available: readonly string[]) {
    super('DRIFT_COLUMN_NOT_FOUND', `The ${side} data has no column ${column}`, {
      value: column,
      hint: `Its columns: ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', …' : ''}.`,
    });
  }
}

/** A column asked for cannot be tested: Evidently does not type it, or the two sides' types do not fit. */
export class DriftColumnUnsupportedError extends AquiferError {
  constructor(column: string, reason: string) {
    super('DRIFT_COLUMN_UNSUPPORTED', `The column ${column} cannot be tested for drift: ${reason}`, {
      value: column,
      hint: 'Leave it out of --columns (by default such columns are skipped and listed with the reason).',
    });
  }
}

/** A tested column has no values on one side (all NULL, NaN or ±inf): Evidently fails on it. */
export class DriftColumnEmptyError extends AquiferError {
  constructor(column: string, side: DriftSide) {
    super('DRIFT_COLUMN_EMPTY', `The column ${column} has no values in the ${side} data (every row is NULL, NaN or infinite)`, {
      value: { column, side },
      hint: 'Name the columns to test with --columns, leaving this one out, or compare data in which it is filled.',
    });
  }
}

/** A drift option cannot be used: an unknown method, one that does not fit the column, a threshold or drift share out of range. */
export class DriftOptionsInvalidError extends AquiferError {
  constructor(message: string, value: unknown, hint: string) {
    super('DRIFT_OPTIONS_INVALID', message, { value, hint });
  }
}

/** No column is left to test (every one was skipped). */
export class DriftNoColumnsError extends AquiferError {
  constructor(skipped: readonly { column: string; reason: string }[]) {
    super('DRIFT_NO_COLUMNS', 'No column can be tested for drift', {
      value: skipped,
      hint: 'The current data needs numeric or categorical columns that the reference has too; --format json lists why each was skipped.',
    });
  }
}
