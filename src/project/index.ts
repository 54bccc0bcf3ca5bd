export {
  Project,
  CONFIG_FILE,
  type ProjectConfig,
  type S3InitOptions,
  type S3StorageConfig,
  type ServerConfig,
  type LineageConfig,
  type GovernanceConfig,
  type RetentionConfig,
} from './project.js';
export { jsonPath, firstIssue } from './json-issues.js';
export { projectSalt, saltFile } from './masking-salt.js';
export {
  checkTableName,
  MAX_TABLE_NAME_BYTES,
  NAME_MAX_BYTES,
  INTERNAL_TABLE_NAMES,
  PREDICTIONS_TABLE_SUFFIX,
  QUALITY_FAILURES_TABLE_NAME,
  QUALITY_RESULTS_TABLE_NAME,
  QUARANTINE_TABLE_SUFFIX,
  RESERVED_TABLE_SUFFIXES,
  type TableNameUse,
} from './table-name.js';
