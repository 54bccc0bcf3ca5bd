export { readCheckpointActions } from './read-checkpoint.js';
export { writeCheckpoint, checkpointPath } from './write-checkpoint.js';
export { cleanupExpiredLogs, type LogCleanupResult } from './log-cleanup.js';
export { parseRetention, DEFAULT_LOG_RETENTION_MS, DEFAULT_DELETED_FILE_RETENTION_MS } from './retention.js';
export { writeCheckpointFromLog } from './log-checkpoint.js';
