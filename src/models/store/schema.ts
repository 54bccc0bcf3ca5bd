/**
 * The metadata store's tables, the same DDL on SQLite and PostgreSQL. Created when the store
 * opens (idempotent). `schema_version` names the layout, for migrations to come.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS aquifer_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS experiments (
     experiment_id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, artifact_location TEXT NOT NULL,
     lifecycle_stage TEXT NOT NULL, creation_time BIGINT NOT NULL, last_update_time BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS experiment_tags (
     experiment_id BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (experiment_id, key))`,
  `CREATE TABLE IF NOT EXISTS runs (
     run_id TEXT PRIMARY KEY, experiment_id BIGINT NOT NULL, run_name TEXT NOT NULL, user_id TEXT NOT NULL,
     status TEXT NOT NULL, start_time BIGINT NOT NULL, end_time BIGINT, artifact_uri TEXT NOT NULL, lifecycle_stage TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs (experiment_id, start_time)`,
  `CREATE TABLE IF NOT EXISTS run_params (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key))`,
  `CREATE TABLE IF NOT EXISTS run_tags (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key))`,
  // The value is in the key, as in MLflow: the same point logged twice is kept once, another value at the same step is another point.
  `CREATE TABLE IF NOT EXISTS run_metrics (
     run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, timestamp BIGINT NOT NULL, step BIGINT NOT NULL,
     model_id TEXT, PRIMARY KEY (run_id, key, timestamp, step, value))`,
  `CREATE TABLE IF NOT EXISTS run_inputs (
     run_id TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, dataset TEXT NOT NULL, tags TEXT NOT NULL, position BIGINT NOT NULL,
     PRIMARY KEY (run_id, name, digest))`,
  `CREATE TABLE IF NOT EXISTS run_outputs (run_id TEXT NOT NULL, model_id TEXT NOT NULL, step BIGINT NOT NULL, PRIMARY KEY (run_id, model_id))`,
  `CREATE TABLE IF NOT EXISTS logged_models (
     model_id TEXT PRIMARY KEY, experiment_id BIGINT NOT NULL, name TEXT NOT NULL, source_run_id TEXT, status TEXT NOT NULL,
     artifact_location TEXT NOT NULL, model_type TEXT, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS logged_model_params (model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key))`,
  `CREATE TABLE IF NOT EXISTS logged_model_tags (model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key))`,
  `CREATE TABLE IF NOT EXISTS registered_models (
     name TEXT PRIMARY KEY, description TEXT NOT NULL, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registered_model_tags (name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key))`,
  `CREATE TABLE IF NOT EXISTS registered_model_aliases (name TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (name, alias))`,
  `CREATE TABLE IF NOT EXISTS model_versions (
     name TEXT NOT NULL, version BIGINT NOT NULL, source TEXT NOT NULL, run_id TEXT, model_id TEXT, status TEXT NOT NULL,
     description TEXT NOT NULL, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL, PRIMARY KEY (name, version))`,
  `CREATE TABLE IF NOT EXISTS model_version_tags (
     name TEXT NOT NULL, version BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, version, key))`,
  `INSERT INTO aquifer_counters (name, value) VALUES ('schema_version', ${SCHEMA_VERSION}) ON CONFLICT (name) DO NOTHING`,
  `INSERT INTO aquifer_counters (name, value) VALUES ('experiment', 0) ON CONFLICT (name) DO NOTHING`,
];
