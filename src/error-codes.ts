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
  ENGINE_EXTENSION_MISSING: entry(500, 'A DuckDB extension (such as httpfs) is not installed, or does not load, where DuckDB looks for it.'),
  ENGINE_SECRET_INVALID: entry(400, 'DuckDB refused an S3 secret (its name or options).'),
  ENGINE_SETTING_INVALID: entry(400, 'DuckDB refused a setting given in the environment (AQUIFER_MEMORY_LIMIT, AQUIFER_TEMP_DIRECTORY).'),
  ENGINE_LINEAGE_SQL_UNSUPPORTED: entry(400, 'Column lineage was asked of SQL that is not one query (a SELECT, possibly with CTEs and set operations).'),
  ENGINE_LINEAGE_SQL_INVALID: entry(400, "Column lineage was asked of SQL that DuckDB's parser rejects."),
  STORAGE_NOT_FOUND: entry(404, 'No object at that path.'),
  STORAGE_ALREADY_EXISTS: entry(409, 'An object already exists at that path (put-if-absent lost).'),
  STORAGE_FAILED: entry(500, 'The object store failed (permissions, space, network).'),
  STORAGE_ACCESS_DENIED: entry(403, 'The object store refused the credentials (wrong key or secret, or no permission on that bucket or key).'),
  STORAGE_BUCKET_NOT_FOUND: entry(404, 'The bucket (S3) or container (Azure Blob) named by a location does not exist.'),
  STORAGE_UNREACHABLE: entry(503, 'The object store endpoint did not answer, or answered that it was unavailable (HTTP 502/503/504), even after retries.'),
  STORAGE_CREDENTIALS_MISSING: entry(
    401,
    'No credentials were found in the config or the environment (AWS variables or profile; GOOGLE_APPLICATION_CREDENTIALS; AZURE_STORAGE_*), or a variable the project config names for them is unset.',
  ),
  STORAGE_LOCATION_INVALID: entry(400, 'A storage location or its settings cannot be used (unknown URI scheme, no bucket, no region).'),
  PROJECT_NOT_FOUND: entry(404, 'No Aquifer project (aquifer.json) at that folder.'),
  PROJECT_CONFIG_INVALID: entry(400, 'The project config or a definitions file is not valid.'),
  PROJECT_TABLE_NAME_INVALID: entry(400, 'A table name breaks the naming rules.'),
  PROJECT_TABLE_NAME_RESERVED: entry(
    400,
    'A table name is reserved for a table Aquifer writes itself (`<table>__quarantine`, `<model>__predictions`, `<model>__feedback`).',
  ),
  PROJECT_TABLE_NAME_TOO_LONG: entry(400, "A table name (with its internal tables' suffixes) is longer than the file system allows."),

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

  // ingest
  INGEST_IDEMPOTENCY_KEY_INVALID: entry(400, 'An Idempotency-Key header is empty, too long or not printable.'),
  INGEST_IDEMPOTENCY_KEY_REUSED: entry(422, 'An Idempotency-Key was already used with a different request body.'),

  // data quality
  QUALITY_SUITE_INVALID: entry(400, 'A quality suite or one of its expectations is not valid (unknown expectation type, kwargs that do not fit it).'),
  QUALITY_SUITE_NOT_FOUND: entry(404, 'No quality suite by that name in the project.'),
  QUALITY_COLUMN_NOT_FOUND: entry(400, 'A custom expectation names a column the data does not have.'),
  QUALITY_SUITE_COLUMNS_MISSING: entry(400, 'A suite names columns that a table it is checked against does not have.'),
  QUALITY_SUITE_NOT_APPLICABLE: entry(
    400,
    '`aquifer apply` refused: a quality suite has an invalid expectation, or one that does not fit a table it is attached to (a missing column, a type it cannot take); the value lists each problem.',
  ),
  QUALITY_GATE_BLOCKED: entry(422, "A write was refused because a blocking suite's table-level expectations failed on its batch; nothing was written."),

  // features
  FEATURE_DEFINITIONS_MISSING: entry(404, 'The project has no feature definitions file.'),
  FEATURE_DEFINITIONS_NOT_APPLIED: entry(409, 'No feature definitions have been applied yet (run `aquifer apply`).'),
  FEATURE_DEFINITION_SHAPE_INVALID: entry(400, 'A definitions file does not have the shape of a feature repository (the path names the field).'),
  FEATURE_REGISTRY_INVALID: entry(
    500,
    'A registry file (.aquifer/registry/v<N>.json) is not valid JSON or not the shape `apply` writes (the value names the file and field).',
  ),
  FEATURE_REGISTRY_VERSION_NOT_FOUND: entry(404, 'No applied version of the feature definitions with that number.'),
  FEATURE_DEFINITION_DUPLICATE: entry(400, 'Two definitions (or two aggregations of a view) share one name.'),
  FEATURE_DEFINITION_UNKNOWN_ENTITY: entry(400, 'A feature view names an entity that is not defined.'),
  FEATURE_DEFINITION_UNKNOWN_TABLE: entry(400, 'A feature view reads a table that does not exist.'),
  FEATURE_DEFINITION_UNKNOWN_COLUMN: entry(400, 'A join key, time column, feature or aggregated column is not a column of the source.'),
  FEATURE_DEFINITION_UNKNOWN_FEATURE: entry(400, 'A feature service or on-demand view references a feature no feature view defines.'),
  FEATURE_DEFINITION_TYPE_MISMATCH: entry(400, 'A declared type does not fit the column (or the aggregation) it comes from.'),
  FEATURE_DEFINITION_TTL_INVALID: entry(400, 'A feature view TTL is not a valid duration.'),
  FEATURE_DEFINITION_DURATION_INVALID: entry(400, 'An aggregation interval or window is not a valid duration, or a window is not whole intervals.'),
  FEATURE_DEFINITION_AGGREGATION_INVALID: entry(400, 'An aggregation names no function it knows, lacks a column, or a view has none.'),
  FEATURE_DEFINITION_TRANSFORMATION_INVALID: entry(400, 'A feature view transformation does not run as SQL over its source.'),
  FEATURE_DEFINITION_NAME_CONFLICT: entry(400, 'An on-demand request field has the name of one of its sources.'),
  FEATURE_DEFINITION_CYCLE: entry(400, 'On-demand views read each other (a cycle, or a chain).'),
  FEATURE_COLUMNS_COLLIDE: entry(400, 'Two requested features would give the same column name.'),
  FEATURE_TRAINING_SET_INVALID: entry(400, 'A table is not a saved training set.'),
  FEATURE_NOT_FOUND: entry(404, 'No such feature, view or service.'),
  FEATURE_REQUEST_INVALID: entry(400, 'An online-features or push request is malformed.'),
  FEATURE_PUSH_VALUE_INVALID: entry(400, "A pushed value is missing or not of its column's type."),
  FEATURE_PUSH_UNSUPPORTED: entry(400, 'That feature view cannot take pushed rows (aggregation views; offline pushes to transformation views).'),
  FEATURE_ENTITY_KEY_TOO_LONG: entry(400, 'An entity key is longer than the online store accepts (16 KiB with the view name).'),
  FEATURE_ONLINE_STORE_MISSING: entry(400, 'Nothing has been materialized into the online store.'),
  FEATURE_ONLINE_STORE_BUSY: entry(409, 'Another process has the embedded online store open, so it cannot be rebuilt now.'),
  FEATURE_FUNCTION_FAILED: entry(500, 'An on-demand feature function threw.'),
  FEATURE_FUNCTION_NOT_REGISTERED: entry(409, 'An on-demand view was opened from applied definitions without its function (the library must supply it).'),
  FEATURE_FUNCTION_UNKNOWN_VIEW: entry(400, 'A function was supplied for an on-demand view the definitions do not have.'),

  // ingestion
  INGEST_SCHEMA_UNINFERABLE: entry(400, "A first batch's records cannot shape a new table (an empty field name)."),

  // models: store and registry
  MODEL_STORE_NOT_FOUND: entry(404, 'No experiment, run, logged model, registered model, version or alias by that name or id.'),
  MODEL_STORE_ALREADY_EXISTS: entry(409, 'An experiment or registered model by that name already exists.'),
  MODEL_STORE_PARAM_CHANGED: entry(400, 'A run parameter was logged again with a different value (parameters are write-once, as in MLflow).'),
  MODEL_STORE_INVALID: entry(400, 'A tracking or registry request is malformed (a name, key, value or id that cannot be stored).'),
  MODEL_STORE_FAILED: entry(500, 'The metadata store (SQLite in the project, or PostgreSQL) failed or could not be reached.'),
  MODEL_ARTIFACT_NOT_FOUND: entry(404, 'No artifact at that path.'),
  MODEL_ARTIFACT_PATH_INVALID: entry(400, 'An artifact path is absolute, empty, or climbs out of its folder.'),
  // models: training
  MODEL_TRAINING_COMMAND_MISSING: entry(400, 'No training command was given, or it is not on the PATH.'),
  MODEL_TRAINING_LABEL_UNKNOWN: entry(400, 'The label column named for training is not a column of the training set.'),
  MODEL_TRAINING_METRICS_INVALID: entry(400, "metrics.json in a training run's model folder is not an object of numbers."),
  MODEL_TRAINING_OUTPUT_INVALID: entry(400, "A training run's model folder cannot be registered (too many files)."),
  MODEL_TRAINING_FAILED: entry(500, 'The training command exited with a non-zero status; the run is recorded as FAILED and nothing is registered.'),
  MODEL_FEEDBACK_NOT_FOUND: entry(404, 'The model has no prediction log or no labels yet, so there is no feedback to build a training set from.'),
  MODEL_REPRODUCE_MISMATCH: entry(500, "A recreated training set's rows differ from those the model version was trained on."),
  MODEL_RETRAIN_INVALID: entry(
    400,
    'A retraining request cannot be carried out: an unknown metric, a holdout without the label column or without rows, or a version with no training command or training set to retrain from.',
  ),
  // models: serving
  MODEL_LOAD_FAILED: entry(500, "A model version's file could not be read or loaded by ONNX Runtime (corrupt bytes, an unsupported operator)."),
  MODEL_NOT_SERVABLE: entry(422, 'The model version has nothing Aquifer can serve (no ONNX file, no tensor output) or no features to fetch for it.'),
  MODEL_INPUT_INVALID: entry(400, 'A prediction request lacks a feature the model needs, or gives one of the wrong type or shape.'),
  MODEL_REQUEST_INVALID: entry(400, 'A predict, infer or feedback body is not of the shape the route accepts.'),
  MODEL_LOG_FAILED: entry(503, "A prediction could not be written to its log in the server's before-response mode, so it was not answered."),
  // models: MLflow API
  MODEL_ARTIFACT_MULTIPART_UNSUPPORTED: entry(
    501,
    'Multipart upload is not supported for the current artifact repository (an artifact is one PUT; the MLflow client falls back to it on this answer).',
  ),
  // governance: column tags
  GOVERNANCE_TAG_INVALID: entry(
    400,
    'A column tag breaks the rules (letters, digits, _ and -, at most one colon, 64 characters), or no column or tag was named.',
  ),
  GOVERNANCE_TAG_LIMIT: entry(400, 'A column would have more tags than allowed (16).'),
  GOVERNANCE_RETENTION_INVALID: entry(
    400,
    'A retention rule (governance.retention) names a table that does not exist, or a column that is missing or not a date or timestamp.',
  ),
  // governance: masking
  GOVERNANCE_SALT_INVALID: entry(500, "The project's masking key (.aquifer/masking-salt) is not 64 hex digits."),
  GOVERNANCE_MASK_NO_PROJECT: entry(
    400,
    'A table with masked columns was read outside a project, so there is no masking key; name the project, or read with --unmasked.',
  ),
  // governance: erasure
  GOVERNANCE_ERASE_INVALID: entry(400, 'An erasure request names no entity or predicate, or an entity as column=value it cannot use.'),
  GOVERNANCE_ERASE_INCOMPLETE: entry(
    500,
    'After an erasure the byte scan still found erased values in files or online store keys; the error lists where (never the values).',
  ),
  GOVERNANCE_JOB_IN_PROGRESS: entry(
    409,
    'An erasure or a retention enforcement is running in this server (one at a time per project); the message says which, and its id for an erasure.',
  ),
  GOVERNANCE_ERASURE_NOT_FOUND: entry(404, 'No erasure with that id was started by this server or kept in the project (.aquifer/erasures/).'),
  FEATURE_TRAINING_SET_ERASED: entry(409, 'A training set had rows erased since it was saved, so it cannot be recreated identically from its pinned versions.'),
  // lineage: the log and its HTTP sink
  LINEAGE_SINK_UNREACHABLE: entry(
    503,
    'The OpenLineage HTTP endpoint did not accept events after retries; they stay in .aquifer/lineage-spool and are sent later.',
  ),
  LINEAGE_SINK_REJECTED: entry(422, 'The OpenLineage HTTP endpoint refused an event (HTTP 4xx); it was moved to .aquifer/lineage-spool/rejected.'),
  LINEAGE_API_KEY_MISSING: entry(401, 'The environment variable named by lineage.http.apiKeyEnv is not set.'),
  AUDIT_LOG_FAILED: entry(
    500,
    "The audit log's writer thread could not append entries (a full disk, a broken log table) or stopped; the recorder keeps them and tries again.",
  ),
  LINEAGE_LOG_FAILED: entry(
    500,
    "The lineage log's writer thread could not append events (a full disk, a broken log table) or stopped; the recorder keeps them and tries again.",
  ),
  LINEAGE_FILTER_INVALID: entry(400, 'A lineage event filter is not valid (a --since that is not an ISO 8601 time).'),
  // lineage: graph queries
  LINEAGE_NODE_INVALID: entry(
    400,
    'A lineage node or source is not of a form the queries take (model:NAME@VERSION, training-set:NAME[@V], feature-view:NAME, TABLE[@V], TABLE.COLUMN, a file path, kafka:TOPIC[:PARTITION[:FROM-TO]]).',
  ),
  LINEAGE_NODE_NOT_FOUND: entry(404, 'No lineage event names that node or source (nothing recorded it as read or written by a completed run).'),
  // monitoring: drift
  DRIFT_SOURCE_INVALID: entry(400, 'The reference or current data of a drift report cannot be read (a missing or unreadable file, a filter DuckDB refuses).'),
  DRIFT_SOURCE_EMPTY: entry(400, 'The reference or current data of a drift report has no rows.'),
  DRIFT_COLUMN_NOT_FOUND: entry(400, 'A column named for a drift report is missing from the reference or the current data.'),
  DRIFT_COLUMN_UNSUPPORTED: entry(
    400,
    'A column named for a drift report is not numeric or categorical as Evidently types it (text, unsigned, decimal, date...), or its reference type does not fit its current one.',
  ),
  DRIFT_COLUMN_EMPTY: entry(400, 'A column tested for drift has no values (all NULL, NaN or infinite) in the reference or the current data.'),
  DRIFT_OPTIONS_INVALID: entry(
    400,
    'A drift option cannot be used: an unknown method, a method that does not fit the column or its sample size, a threshold or drift share out of range.',
  ),
  DRIFT_NO_COLUMNS: entry(400, 'No column of a drift report can be tested (each was skipped; the value says why).'),
  // monitoring: models in production
  MONITOR_MODEL_NO_PREDICTIONS: entry(404, 'The model version has no logged predictions in the window asked for, so its drift cannot be measured.'),
  MONITOR_MODEL_NO_TRAINING_SET: entry(422, 'The model version was not trained on a saved training set, so there is no reference for its drift.'),
  MONITOR_MODEL_NO_FEEDBACK: entry(404, 'The model has no prediction log or no feedback table yet, so its quality cannot be measured.'),
  MONITOR_MODEL_OPTIONS_INVALID: entry(
    400,
    'A model monitoring option cannot be used: an unknown task or window, a positive class for more than two classes, labels or predictions a regressor cannot read as numbers.',
  ),
  // monitoring: monitors and alerts
  MONITOR_DEFINITION_INVALID: entry(
    400,
    'A monitor file (monitors/<name>.json) is not valid: not JSON, too large, or a field its kind does not take (the value names file and field).',
  ),
  MONITOR_NOT_FOUND: entry(404, 'No monitor of that name in the project (monitors/<name>.json).'),
  MONITOR_BUSY: entry(409, 'Another run holds the monitor (its lock under .aquifer/monitors), so this run left it alone.'),
  MONITOR_NO_DATA: entry(404, 'A monitor had nothing to judge (no validation of its suite, no commit to count).'),
  MONITOR_WEBHOOK_FAILED: entry(502, 'A webhook did not take an alert: retried on later runs after a backoff, or dead-lettered once refused.'),
  // orchestrate
  ASSET_DEFINITION_INVALID: entry(400, 'An asset file (pipelines/*.json) is not valid JSON or breaks the asset schema; the message names the file and field.'),
  ASSET_DUPLICATE: entry(400, 'Two asset definitions (in one file or two) produce the same table name.'),
  ASSET_DEPENDENCY_UNKNOWN: entry(400, 'An asset reads or names a table that is neither another asset nor an existing table of the project.'),
  ASSET_UPSTREAM_MISSING: entry(409, 'An asset reads an upstream asset whose table does not exist yet (it never ran successfully).'),
  ASSET_CYCLE: entry(400, 'The assets depend on each other in a cycle; the message names the assets in it.'),
  ASSET_NOT_FOUND: entry(404, 'No asset of that name in the pipelines/ definitions.'),
  ASSET_PARTITION_INVALID: entry(
    400,
    "A partition is not one of the asset's partitions (not a day from its start, not one of its static values), or the asset is not partitioned.",
  ),
  ASSET_RUN_FAILED: entry(422, "An asset's run failed (its SQL or its write); the run is recorded as failed and its table left as it was."),
  ASSET_RUN_NOT_FOUND: entry(404, 'No recorded asset run with that id.'),
  ASSET_RUN_STORE_INVALID: entry(500, "The project's run history (.aquifer/runs.db) has a schema version this Aquifer does not know."),
  ASSET_EXPORT_INVALID: entry(
    400,
    'The assets cannot be exported as asked: an invalid DAG id, no assets, a schedule the target orchestrator cannot express (Airflow has no seconds), or a file that cannot be written.',
  ),
  ASSET_REFERENCE_UNKNOWN: entry(400, 'An asset names a feature view, feature service, quality suite or monitor the project does not define.'),
  ASSET_MODULE_INVALID: entry(
    400,
    "A typescript asset's module cannot be loaded, its export is not a function, or the function returned something other than rows or { sql }.",
  ),
  ASSET_TRAINING_FAILED: entry(422, "A model asset's training command failed or registered no model version."),
  ASSET_VALIDATION_FAILED: entry(422, "A validation asset's suite failed on its table: the run fails and nothing after it runs."),
  ASSET_RUN_IN_PROGRESS: entry(
    409,
    'Another run of the asset and partition holds its lease (at most one runs at a time, across processes); the message names the holding run.',
  ),
  ASSET_RUN_TIMEOUT: entry(504, "An asset's run went past its timeoutSeconds; it was interrupted and nothing was committed."),
  ASSET_RUN_CANCELLED: entry(409, 'An asset run was cancelled (an abort signal or aquifer runs cancel); nothing was committed.'),
  ASSET_RUN_ABORTED: entry(500, 'An asset run was found running after its process died (its lease expired); it was marked aborted.'),
  ASSET_RUN_NOT_RUNNING: entry(409, 'The run cannot be cancelled: it is not running (nor waiting to retry).'),
  ASSET_RUN_LEASE_LOST: entry(
    409,
    "An asset run lost its lease (another process took it over after it expired, or the run store could not be reached for the lease's life); it stopped and was recorded aborted.",
  ),
  ASSET_RUN_LIMIT_REACHED: entry(
    429,
    'The server already has server.maxConcurrentRuns runs launched by POST /v1/runs in flight; retry after the Retry-After seconds.',
  ),
  ASSET_MONITOR_FAILED: entry(422, "A monitor asset's monitor could not run (its result was an error, or another process was running it)."),
  ASSET_BACKFILL_FAILED: entry(422, 'Some partitions of a backfill failed; the others ran. The message names the failed partitions.'),
  // surfaces
  HTTP_NOT_FOUND: entry(404, 'No route for that method and path.'),
  HTTP_QUERY_INVALID: entry(400, 'A query parameter is missing or not of the form the route takes.'),
  HTTP_BODY_INVALID: entry(400, 'The request body is not what the route accepts.'),
  HTTP_BODY_TOO_LARGE: entry(413, 'The request body is larger than the limit.'),
  HTTP_UNSUPPORTED_MEDIA_TYPE: entry(415, 'The request content type is not accepted.'),
  HTTP_REQUEST_INVALID: entry(400, 'The request is not valid HTTP (refused by the parser).'),
  HTTP_HEADERS_TOO_LARGE: entry(431, 'The request headers are larger than the limit.'),
  HTTP_PATH_INVALID: entry(400, 'The request path cannot be decoded or has dot segments.'),
  HTTP_BODY_TOO_DEEP: entry(400, 'The JSON body nests deeper than the limit.'),
  HTTP_TOO_MANY_RECORDS: entry(413, 'The body holds more records (array elements or NDJSON lines) than the limit.'),
  HTTP_REQUEST_TIMEOUT: entry(408, 'The request body did not arrive within the time limit.'),
  HTTP_RESPONSE_TIMEOUT: entry(
    503,
    'The request was not answered within server.limits.requestTimeoutMs: abandoned before its commit (nothing written), or its commit finished too late to be reported.',
  ),
  HTTP_SERVER_BUSY: entry(503, 'More requests are in flight than server.limits.concurrentRequests; retry after the Retry-After seconds.'),
  HTTP_ORIGIN_FORBIDDEN: entry(403, 'The Origin or Host header is not allowed (cross-site or DNS-rebinding request).'),
  AUTH_TOKEN_MISSING: entry(401, 'The route needs an `Authorization: Bearer` token.'),
  AUTH_TOKEN_INVALID: entry(401, 'The bearer token is not one this project issued.'),
  AUTH_TOKEN_EXPIRED: entry(401, 'The bearer token has expired.'),
  AUTH_TOKEN_REVOKED: entry(401, 'The bearer token has been revoked.'),
  AUTH_FORBIDDEN: entry(403, "The token's role or scopes do not allow this request."),
  TOKEN_NOT_FOUND: entry(404, 'No token with that id in the project.'),
  TOKEN_OPTIONS_INVALID: entry(400, 'A token role, scope or expiry is not valid.'),
  TOKEN_STORE_INVALID: entry(500, "The project's token file is corrupt."),
  SERVER_PORT_INVALID: entry(400, 'The port is not a whole number from 0 to 65535.'),
  SERVER_PORT_IN_USE: entry(409, 'Another process listens on that port.'),
  SERVER_HOST_INVALID: entry(400, 'The host is not an address of this machine.'),
  SERVER_CONFIG_INVALID: entry(400, "The project config's server section is not valid."),
  CLI_USAGE: entry(400, 'The command line does not make sense.', 2),
  CONFORMANCE_DIR_INVALID: entry(400, 'The conformance folder is not a golden-table suite.', 2),
  CONFORMANCE_STORAGE_NOT_EMPTY: entry(409, 'The storage location for a conformance run already holds objects.', 2),

  // last resort
  INTERNAL: entry(500, 'An unexpected error; it is logged.'),
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
