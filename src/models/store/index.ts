export type * from './types.js';
export type {
  ModelStore,
  CreateRunOptions,
  UpdateRunOptions,
  LogBatch,
  SearchRunsOptions,
  CreateLoggedModelOptions,
  CreateModelVersionOptions,
} from './model-store.js';
export { SqlModelStore } from './sql-model-store.js';
export type { SqlDatabase, SqlExecutor } from './sql-database.js';
export { SqliteDatabase } from './sqlite-database.js';
export { PostgresDatabase } from './postgres-database.js';
export { openModelStore, modelStoreFile } from './open-model-store.js';
export { LIMITS as MODEL_STORE_LIMITS } from './store-limits.js';
