/**
 * The `aquifer` package: everything the docs call library API. The capabilities are also
 * subpaths (`aquifer/table`, `aquifer/features`, `aquifer/ingest`, `aquifer/quality`, `aquifer/server`, `aquifer/lineage`, `aquifer/monitor`) for
 * programs that want one without loading the others' dependencies (Kafka, AWS, hono).
 */
export { AquiferError, isAquiferError, describeError, ERROR_CODES, isErrorCode, type ErrorCode, type ErrorCodeEntry } from './errors.js';
export * from './table/index.js';
export {
  Engine,
  type EngineOptions,
  type QueryOptions,
  type Row,
  type DuckDBExtension,
  type S3SecretOptions,
  EngineQueryError,
  EngineExtensionMissingError,
  EngineSecretError,
  sharedEngine,
  sqlColumnLineage,
  sqlTableReads,
} from './engine/index.js';
export {
  LocalObjectStore,
  type LocalStoreOptions,
  type ObjectStore,
  type ObjectMeta,
  type ListOptions,
  type PutOptions,
  ObjectAlreadyExistsError,
  ObjectNotFoundError,
  StorageError,
} from './storage/index.js';
export { Project, CONFIG_FILE, type ProjectConfig, type LineageConfig } from './project/index.js';
export * from './features/index.js';
export * from './ingest/index.js';
export * from './quality/index.js';
// Both capabilities name a `TableSource`: the package root keeps the features one, quality's is QualityTableSource here.
export type { TableSource } from './features/index.js';
export type { TableSource as QualityTableSource } from './quality/index.js';
export * from './models/index.js';
export * from './server/index.js';
export * from './lineage/index.js';
export * from './governance/index.js';
export * from './audit/index.js';
export * from './monitor/index.js';
export * from './orchestrate/index.js';
export {
  currentJobRun,
  onJobRun,
  withJobRun,
  tableDataset,
  type ColumnSource,
  type DatasetKind,
  type DatasetRef,
  type JobRun,
  type JobRunEvent,
  type JobSpec,
  type StreamRange,
} from './observe/index.js';
