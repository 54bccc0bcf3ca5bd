export { DeltaTable, type OpenOptions, type ReadOptions, type ProgressOptions } from './delta-table.js';
export { openOrCreateTable, TableOnFirstUse, type OpenOrCreateOptions } from './open-or-create.js';
export {
  Snapshot,
  TableState,
  type LogState,
  type SnapshotOptions,
  type HistoryEntry,
  SUPPORTED_READER_FEATURES,
  parseTimestamp,
  statsNumRecords,
  TXN_RETENTION_PROPERTY,
  IDEMPOTENCY_KEY_RETENTION_PROPERTY,
  IDEMPOTENCY_APP_PREFIX,
  txnExpiry,
  type TxnExpiry,
} from './snapshot/index.js';
export { Scan, ROW_FILE_COLUMN, ROW_INDEX_COLUMN, type ColumnMask, type MaskedColumn, type ScanOptions, type ScanPlan } from './scan/index.js';
export { hashesType, hashValue, MASK_STRATEGIES, maskSql, maskValue, REDACTED, type MaskStrategy } from './scan/index.js';
export { parsePredicate, type Predicate } from './scan/index.js';
export * from './errors.js';
export { commitOutcomeUnknown } from './commit/index.js';
export type { Action, AddFile, RemoveFile, Metadata, Protocol, Txn, CommitInfo, DomainMetadata, DeletionVectorDescriptor } from './actions/index.js';
export {
  type DataType,
  type StructType,
  type StructField,
  type PrimitiveTypeName,
  parseSchemaString,
  schemaToString,
  describeType,
  describeFields,
  toDuckDBType,
  fromDuckDBType,
  primitive,
  decimal,
  field,
  struct,
  jsonValue,
  jsonRow,
} from './schema/index.js';
export { formatOf, prepareSource, csvDialect, type ColumnMetadataUpdate, type SchemaChange } from './write/index.js';
export {
  TableWriter,
  type StagedWrite,
  type WriteSource,
  type WriteResult,
  type WriteOptions,
  type OverwriteOptions,
  type CreateOptions,
  type AppTransaction,
  type FileFormat,
} from './write/index.js';
export {
  MergeError,
  type DmlResult,
  type Assignments,
  type MergeOptions,
  type MergeAssignments,
  type MatchedClause,
  type NotMatchedClause,
  type NotMatchedBySourceClause,
} from './dml/index.js';
export {
  AUTO_COMPACT_MIN_FILES,
  AUTO_COMPACT_PROPERTY,
  type OptimizeOptions,
  type OptimizeResult,
  type VacuumOptions,
  type VacuumResult,
  type RestoreResult,
  type PurgeResult,
} from './maintenance/index.js';
export { type ChangeRead, type ChangeReadOptions, CHANGE_TYPE_COLUMN, COMMIT_VERSION_COLUMN, COMMIT_TIMESTAMP_COLUMN } from './cdf/index.js';
export { PRIMITIVE_TYPES, columnMappingMode, physicalName, type ColumnMappingMode } from './schema/index.js';
