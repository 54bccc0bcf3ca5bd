export { Snapshot, statsNumRecords } from './snapshot.js';
export {
  TXN_RETENTION_PROPERTY,
  IDEMPOTENCY_KEY_RETENTION_PROPERTY,
  IDEMPOTENCY_APP_PREFIX,
  txnExpiry,
  isTxnExpired,
  type TxnExpiry,
} from './txn-retention.js';
export {
  loadSnapshot,
  loadLogState,
  refreshSnapshot,
  snapshotAfterCommit,
  type CommittedVersion,
  type LogState,
  type SnapshotOptions,
} from './load-snapshot.js';
export { TableState } from './table-state.js';
export { checkReadSupport, SUPPORTED_READER_FEATURES } from './protocol-support.js';
export { versionAtTimestamp, parseTimestamp, CommitTimeline } from './time-travel.js';
export { readHistory, type HistoryEntry } from './history.js';
export { commitDigest, mapConcurrent, readJsonLogFile } from './read-log-file.js';
