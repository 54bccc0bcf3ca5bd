export { buildLogSegment, listLogFiles, type LogSegment, type LogSegmentOptions } from './log-segment.js';
export { classifyLogFile, commitPath, padVersion, LOG_DIR, type LogFile, type CheckpointFile, type CommitFile, type CompactionFile } from './log-file.js';
export { readLastCheckpoint, lastCheckpointJson, LAST_CHECKPOINT_PATH, type LastCheckpoint } from './last-checkpoint.js';
