export { IngestTarget, type IngestTargetOptions, type BatchResult, type CreateIfMissing } from './ingest-target.js';
export { ingestFiles, FILE_APP_PREFIX, type FileIngestOptions, type FileIngestResult } from './sources/file-source.js';
export { jsonRecordChecks, type CheckOptions } from './checks/json-record-checks.js';
export type { Rule } from './checks/rule.js';
export { QuarantineReason, type QuarantineReasonCode, type RawRecord, type SourcePosition } from './source-position.js';
export { openQuarantine, quarantineLocation, QUARANTINE_SCHEMA, QUARANTINE_SUFFIX } from './quarantine/quarantine-table.js';
export { IngestError } from './errors.js';
export { replayQuarantine, type ReplayOptions, type ReplayResult } from './quarantine/replay.js';
export { GroupCommitter, IDEMPOTENCY_APP_PREFIX, type Submission, type SubmissionResult } from './group-commit.js';
