export {
  Project,
  CONFIG_FILE,
  type ProjectConfig,
  type S3InitOptions,
  type S3StorageConfig,
  type ServerConfig,
  type LineageConfig,
  type GovernanceConfig,
} from './project.js';
export { jsonPath, firstIssue } from './json-issues.js';
export { checkTableName, MAX_TABLE_NAME_BYTES, NAME_MAX_BYTES, RESERVED_TABLE_SUFFIXES, type TableNameUse } from './table-name.js';
