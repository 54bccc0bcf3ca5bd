export { compareCodePoints } from './code-point-order.js';
export { Engine, type EngineOptions, type QueryOptions, type Row } from './engine.js';
export { EngineExtensionMissingError, EngineQueryError, EngineSecretError, EngineSettingError, MEMORY_LIMIT_ENV, TEMP_DIRECTORY_ENV } from './errors.js';
export { EXTENSION_DIRECTORY_ENV, type DuckDBExtension } from './extensions.js';
export { type AzureSecretOptions } from './azure-secret.js';
export { type S3SecretOptions } from './s3-secret.js';
export { jsonPathKey, quoteIdent, quoteLiteral, quoteLiteralList } from './sql.js';
export { engineFromEnvironment, sharedEngine } from './shared-engine.js';
export {
  serializeSqlMany,
  sqlColumnLineage,
  sqlTableReads,
  type LineageResolver,
  type LineageTable,
  type LineageTableReference,
  type SqlColumnLineage,
} from './column-lineage.js';
