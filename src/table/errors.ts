import { AquiferError, type ErrorCode } from '../errors.js';

/** The folder holds no `_delta_log`, so it is not a Delta table. */
export class TableNotFoundError extends AquiferError {
  constructor(location: string) {
    super('TABLE_NOT_FOUND', `No Delta table at ${location}: it has no _delta_log folder with commits or checkpoints`, {
      value: location,
      hint: 'Point at the table root (the folder that contains _delta_log), or create the table first.',
    });
  }
}

/** A log file, checkpoint or action could not be parsed or breaks the protocol's rules. */
export class InvalidLogError extends AquiferError {
  constructor(
    message: string,
    location: string,
    hint = 'The Delta log is corrupt or was written by a non-conforming writer; restore the file from a backup or a replica.',
    cause?: unknown,
  ) {
    super('TABLE_LOG_INVALID', message, { value: location, hint, cause });
  }
}

export class ProtocolMissingError extends AquiferError {
  constructor(location: string, version: number) {
    super('TABLE_PROTOCOL_MISSING', `The log of ${location} up to version ${version} has no protocol action`, {
      value: location,
      hint: 'Every Delta table must carry a protocol action in its first commit or in its checkpoint; the log is incomplete.',
    });
  }
}

export class MetadataMissingError extends AquiferError {
  constructor(location: string, version: number) {
    super('TABLE_METADATA_MISSING', `The log of ${location} up to version ${version} has no metaData action`, {
      value: location,
      hint: 'Every Delta table must carry a metaData action in its first commit or in its checkpoint; the log is incomplete.',
    });
  }
}

export class VersionsNotContiguousError extends AquiferError {
  constructor(location: string, expected: number, found: number | undefined) {
    super(
      'TABLE_VERSIONS_NOT_CONTIGUOUS',
      found === undefined
        ? `The log of ${location} is missing commit ${expected}`
        : `The log of ${location} jumps from version ${expected - 1} to ${found}; commit ${expected} is missing`,
      {
        value: { location, missingVersion: expected },
        hint: 'A commit file was deleted or never written; restore it, or read a version after the next checkpoint.',
      },
    );
  }
}

export class VersionNotFoundError extends AquiferError {
  constructor(location: string, requested: number | string, available: { earliest: number; latest: number }) {
    super('TABLE_VERSION_NOT_FOUND', `Version ${requested} of ${location} cannot be read: versions ${available.earliest} to ${available.latest} can`, {
      value: requested,
      hint: `Ask for a version between ${available.earliest} and ${available.latest}; older ones were cleaned up after a checkpoint.`,
    });
  }
}

export class TimestampOutOfRangeError extends AquiferError {
  constructor(location: string, requested: string, earliest: string, latest: string) {
    super('TABLE_TIMESTAMP_OUT_OF_RANGE', `No version of ${location} existed at ${requested} (first commit ${earliest}, last ${latest})`, {
      value: requested,
      hint: `Give a timestamp at or after ${earliest}.`,
    });
  }
}

export class ProtocolUnsupportedError extends AquiferError {
  constructor(location: string, detail: string, value: unknown) {
    super('TABLE_PROTOCOL_UNSUPPORTED', `${location} needs ${detail}, which this reader does not support`, {
      value,
      hint: 'The table was written with a newer or invalid Delta protocol; read it with an engine that supports it, or downgrade the table.',
    });
  }
}

export class FeatureUnsupportedError extends AquiferError {
  constructor(location: string, feature: string, mode: 'read' | 'write') {
    super('TABLE_FEATURE_UNSUPPORTED', `${location} uses the table feature '${feature}', which Aquifer cannot ${mode}`, {
      value: feature,
      hint:
        mode === 'read'
          ? 'Read this table with an engine that supports the feature.'
          : 'Write to this table with an engine that supports the feature, or remove the feature from the table.',
    });
  }
}

export class SchemaInvalidError extends AquiferError {
  constructor(message: string, value: unknown, hint = "Fix the schema JSON; it must follow Delta's schema serialization format.") {
    super('TABLE_SCHEMA_INVALID', message, { value, hint });
  }
}

export class SchemaMismatchError extends AquiferError {
  constructor(message: string, value: unknown, hint: string) {
    super('TABLE_SCHEMA_MISMATCH', message, { value, hint });
  }
}

export class TableAlreadyExistsError extends AquiferError {
  constructor(location: string) {
    super('TABLE_ALREADY_EXISTS', `A Delta table already exists at ${location}`, {
      value: location,
      hint: 'Append to it, overwrite it, or pick another location.',
    });
  }
}

export class DataFileInvalidError extends AquiferError {
  constructor(file: string, cause?: unknown) {
    super('TABLE_DATA_FILE_INVALID', `The data file ${file} is not a readable Parquet file (truncated or corrupt)`, {
      value: file,
      hint: 'Restore the file from a backup or replica, or restore the table to a version without it.',
      cause,
    });
  }
}

export class DataFileMissingError extends AquiferError {
  constructor(file: string, cause?: unknown) {
    super('TABLE_DATA_FILE_MISSING', `The table names the data file ${file}, but it cannot be read`, {
      value: file,
      hint: 'The file was deleted outside Delta (or vacuumed while still referenced); restore it, or restore the table to a version without it.',
      cause,
    });
  }
}

export class DeletionVectorInvalidError extends AquiferError {
  constructor(message: string, location: string, cause?: unknown) {
    super('TABLE_DELETION_VECTOR_INVALID', message, {
      value: location,
      hint: 'The deletion vector file is corrupt or truncated; restore it from a backup.',
      cause,
    });
  }
}

export class PredicateInvalidError extends AquiferError {
  constructor(message: string, predicate: string, cause?: unknown) {
    super('TABLE_PREDICATE_INVALID', message, {
      value: predicate,
      hint: "Write the filter as a SQL boolean expression over the table columns, such as \"country = 'NL' AND ts >= TIMESTAMP '2024-01-01'\".",
      cause,
    });
  }
}

/** Another writer committed first and its changes conflict with this transaction's. */
export class CommitConflictError extends AquiferError {
  /** `appId`: for CONCURRENT_TRANSACTION, the application whose transaction the winner committed. */
  constructor(message: string, value: { version: number; reason: string; appId?: string }) {
    super('COMMIT_CONFLICT', message, {
      value,
      hint: 'Re-read the table and run the operation again; the concurrent change it ran into is named above.',
    });
  }
}

export class WriteInvalidError extends AquiferError {
  constructor(code: ErrorCode, message: string, value: unknown, hint: string) {
    super(code, message, { value, hint });
  }
}

export class CommitMissingError extends AquiferError {
  constructor(location: string, version: number) {
    super('TABLE_COMMIT_MISSING', `Commit ${version} of ${location} is not in the log`, {
      value: { location, version },
      hint: 'It was never written, or log cleanup removed it after a checkpoint; read a snapshot instead of single commits.',
    });
  }
}
