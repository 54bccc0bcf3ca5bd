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

/** A monitor file cannot be used: not JSON, too large, or a field the schema refuses (the value names file and field). */
export class MonitorDefinitionInvalidError extends AquiferError {
  constructor(file: string, field: string, reason: string) {
    super('MONITOR_DEFINITION_INVALID', `${file}: ${field} ${reason}`, {
      value: { file, field },
      hint: 'Fix the monitor file; docs/monitoring.md ("Monitors and alerts") shows each kind.',
    });
  }
}

/** No monitor of that name in the project's monitors/ folder. */
export class MonitorNotFoundError extends AquiferError {
  constructor(name: string, available: readonly string[]) {
    super('MONITOR_NOT_FOUND', `No monitor named ${name}`, {
      value: name,
      hint:
        available.length === 0
          ? 'The project has no monitors/*.json yet.'
          : `Its monitors: ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', …' : ''}.`,
    });
  }
}

/** Another run holds the monitor (its lock file): two runs never judge, or alert on, one monitor at once. */
export class MonitorBusyError extends AquiferError {
  constructor(name: string, lock: string) {
    super('MONITOR_BUSY', `Another run is running the monitor ${name}`, {
      value: lock,
      hint: 'Let it finish; a lock left by a crashed run is taken over after 10 minutes (or delete the file).',
    });
  }
}

/** A monitor had nothing to judge: no commit in its window, no validation of its suite. */
export class MonitorNoDataError extends AquiferError {
  constructor(name: string, what: string) {
    super('MONITOR_NO_DATA', `The monitor ${name} has nothing to judge: ${what}`, {
      value: name,
      hint: 'Write to the table (or validate it, for a quality monitor) first.',
    });
  }
}

/** A webhook did not accept an alert after every attempt; the alert stays undelivered and is sent again on the next run. */
export class MonitorWebhookFailedError extends AquiferError {
  constructor(origin: string, attempts: number, reason: string) {
    super('MONITOR_WEBHOOK_FAILED', `The alert webhook at ${origin} did not take an alert (attempt ${attempts}): ${reason}`, {
      value: origin,
      hint: 'The alert is kept and tried again on a later run once its backoff has passed; one refused (a 4xx other than 408/429) or past maxAttempts is dead-lettered (`aquifer monitor status`).',
    });
  }
}
