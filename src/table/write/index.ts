export {
  TableWriter,
  type ChangeSet,
  type StagedWrite,
  type WriteResult,
  type WriteOptions,
  type OverwriteOptions,
  type CreateOptions,
  type AppTransaction,
  type TableChangeLineage,
} from './table-writer.js';
export { prepareSource, formatOf, type WriteSource, type FileFormat } from './write-source.js';
export { csvDelimiter, csvDialect } from './csv-dialect.js';
export { writeDataFiles, discardWritten, snapshotWriteSpec, DEFAULT_TARGET_FILE_SIZE, type DataWriteSpec, type DataWriteResult } from './data-writer.js';
export { buildStatsJson } from './file-stats.js';
export { protocolForNewTable, assignColumnMapping } from './new-table-protocol.js';
export { type ColumnMetadataUpdate, type SchemaChange } from './schema-alter.js';
export { isAutomaticWidening, TYPE_CHANGES_KEY } from './schema-merge.js';
export { conformingProjection, sourceFields } from './schema-check.js';
export { parsePartitionPredicate, filesMatchingPartitions } from './partition-match.js';
export { fileTable } from './source-tables.js';
