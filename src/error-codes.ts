/**
 * Every error code Aquifer throws, in one place: what it means, the HTTP status the server
 * answers with and the CLI's exit status. `AquiferError` only accepts a code listed here,
 * so a new code cannot reach a user without its status and exit code.
 *
 * Exit codes: 1 a typed failure, 2 a malformed command line (see src/cli/exit-codes.ts).
 */
export interface ErrorCodeEntry {
  /** The HTTP status a server route answers with. */
  readonly http: number;
  /** The CLI's exit status. */
  readonly exit: 1 | 2;
  /** What the code means, for docs and `aquifer --help`. */
  readonly summary: string;
}

const entry = (http: number, summary: string, exit: 1 | 2 = 1): ErrorCodeEntry => ({ http, exit, summary });

export const ERROR_CODES = {
  // foundations
  ENGINE_QUERY_FAILED: entry(500, 'DuckDB refused a statement.'),
  STORAGE_NOT_FOUND: entry(404, 'No object at that path.'),
  STORAGE_ALREADY_EXISTS: entry(409, 'An object already exists at that path (put-if-absent lost).'),
  STORAGE_FAILED: entry(500, 'The object store failed (permissions, space, network).'),
  PROJECT_NOT_FOUND: entry(404, 'No Aquifer project (aquifer.json) at that folder.'),
  PROJECT_CONFIG_INVALID: entry(400, 'The project config or a definitions file is not valid.'),
  PROJECT_TABLE_NAME_INVALID: entry(400, 'A table name breaks the naming rules.'),

  // tables
  TABLE_NOT_FOUND: entry(404, 'No Delta table at that location.'),
  TABLE_ALREADY_EXISTS: entry(409, 'A Delta table already exists at that location.'),
  TABLE_LOG_INVALID: entry(500, 'A log file, checkpoint or action is corrupt or breaks the protocol.'),
  TABLE_PROTOCOL_MISSING: entry(500, 'The log has no protocol action.'),
  TABLE_METADATA_MISSING: entry(500, 'The log has no metaData action.'),
  TABLE_VERSIONS_NOT_CONTIGUOUS: entry(500, 'A commit is missing from the log.'),
  TABLE_VERSION_NOT_FOUND: entry(404, 'The requested version cannot be read.'),
  TABLE_COMMIT_MISSING: entry(404, 'A single commit is not in the log.'),
  TABLE_TIMESTAMP_INVALID: entry(400, 'A time-travel timestamp cannot be parsed.'),
  TABLE_TIMESTAMP_OUT_OF_RANGE: entry(404, 'No version existed at that timestamp.'),
  TABLE_PROTOCOL_UNSUPPORTED: entry(422, 'The table needs a protocol version this reader lacks.'),
  TABLE_FEATURE_UNSUPPORTED: entry(422, 'The table uses a table feature Aquifer cannot read or write.'),
  TABLE_SCHEMA_INVALID: entry(400, 'A schema is not valid Delta schema JSON.'),
  TABLE_SCHEMA_MISMATCH: entry(400, 'Data does not fit the table schema.'),
  TABLE_COLUMN_NOT_FOUND: entry(400, 'The table has no such column.'),
  TABLE_PROPERTY_INVALID: entry(400, 'A table property has an invalid value.'),
  TABLE_ALTER_INVALID: entry(400, 'A schema change cannot be applied.'),
  TABLE_COLUMN_MAPPING_REQUIRED: entry(400, 'Renaming or dropping a column needs column mapping.'),
  TABLE_APPEND_ONLY: entry(409, 'The table is append-only.'),
  TABLE_DATA_FILE_INVALID: entry(500, 'A data file is not readable Parquet.'),
  TABLE_DATA_FILE_MISSING: entry(500, 'A data file the log names is missing.'),
  TABLE_DELETION_VECTOR_INVALID: entry(500, 'A deletion vector is corrupt.'),
  TABLE_PREDICATE_INVALID: entry(400, 'A filter is not a valid SQL boolean expression.'),
  TABLE_INTERNAL: entry(500, 'An internal invariant of a table operation broke.'),
  COMMIT_CONFLICT: entry(409, 'Another writer committed a conflicting change first.'),
  WRITE_SOURCE_EMPTY: entry(400, 'A write names no data.'),
  WRITE_FORMAT_UNKNOWN: entry(400, 'The format of an input file cannot be told from its name.'),
  WRITE_SOURCE_MALFORMED: entry(400, 'An input file has malformed lines, such as CSV rows with more or fewer fields than its header.'),
  WRITE_PARTITION_VALUE_TOO_LONG: entry(400, 'A partition value is too long to be a folder name.'),
  WRITE_OPTIONS_INVALID: entry(400, 'Write options that do not go together.'),
  WRITE_OUTSIDE_PREDICATE: entry(400, 'Rows of an overwrite fall outside its predicate.'),
  WRITE_PREDICATE_NOT_PARTITION: entry(400, 'A replace predicate names non-partition columns.'),
  UPDATE_INVALID: entry(400, 'An update cannot run as given.'),
  MERGE_INVALID: entry(400, 'A merge cannot run as given.'),
  MERGE_CARDINALITY_VIOLATION: entry(409, 'Several source rows match one target row.'),
  VACUUM_RETENTION_INVALID: entry(400, 'A vacuum retention is not a valid duration.'),
  VACUUM_RETENTION_TOO_SHORT: entry(400, 'A vacuum retention is shorter than the safety minimum.'),
  CDF_NOT_ENABLED: entry(400, 'The change data feed is not enabled for that range.'),
  CDF_RANGE_INVALID: entry(400, 'A change data feed range is not valid.'),


  // features
  FEATURE_DEFINITION_INVALID: entry(400, 'A feature definition cannot be used.'),
  FEATURE_NOT_FOUND: entry(404, 'No such feature, view or service.'),
  FEATURE_REQUEST_INVALID: entry(400, 'An online-features or push request is malformed.'),
  FEATURE_ONLINE_STORE_MISSING: entry(400, 'Nothing has been materialized into the online store.'),
  FEATURE_FUNCTION_FAILED: entry(500, 'An on-demand feature function threw.'),

  // surfaces
  HTTP_NOT_FOUND: entry(404, 'No route for that method and path.'),
  HTTP_BODY_INVALID: entry(400, 'The request body is not what the route accepts.'),
  HTTP_BODY_TOO_LARGE: entry(413, 'The request body is larger than the limit.'),
  HTTP_UNSUPPORTED_MEDIA_TYPE: entry(415, 'The request content type is not accepted.'),
  CLI_USAGE: entry(400, 'The command line does not make sense.', 2),
  CONFORMANCE_DIR_INVALID: entry(400, 'The conformance folder is not a golden-table suite.', 2),

  // last resort
  INTERNAL: entry(500, 'An unexpected error; it is logged.'),
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
