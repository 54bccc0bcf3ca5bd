/**
 * The metadata store's tables, the same DDL on SQLite and PostgreSQL. Created when the store
 * opens (idempotent). `schema_version` names the layout; MIGRATIONS bring an older store up.
 */
export const SCHEMA_VERSION = 2;

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
  // As MLflow's SQL store keeps them: NaN is value 0 with is_nan 1, and both are in the key, so the same
  // point logged twice is kept once while another value (or NaN beside 0) at the same step is another point.
  `CREATE TABLE IF NOT EXISTS run_metric_points (
     run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, is_nan SMALLINT NOT NULL, timestamp BIGINT NOT NULL,
     step BIGINT NOT NULL, PRIMARY KEY (run_id, key, timestamp, step, value, is_nan))`,
  // The latest point of each key, replaced only by a strictly later (step, timestamp, value): the first of a tie stays, as in MLflow.
  `CREATE TABLE IF NOT EXISTS run_latest_metrics (
     run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, is_nan SMALLINT NOT NULL, timestamp BIGINT NOT NULL,
     step BIGINT NOT NULL, PRIMARY KEY (run_id, key))`,
  // A logged model's metrics (points logged with its model_id), one per (model, key, timestamp, step, run) as MLflow keys them.
  `CREATE TABLE IF NOT EXISTS logged_model_metrics (
     model_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, timestamp BIGINT NOT NULL, step BIGINT NOT NULL,
     run_id TEXT NOT NULL, dataset_name TEXT, dataset_digest TEXT, PRIMARY KEY (model_id, key, timestamp, step, run_id))`,
  `CREATE TABLE IF NOT EXISTS run_inputs (
     run_id TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, dataset TEXT NOT NULL, tags TEXT NOT NULL, position BIGINT NOT NULL,
     PRIMARY KEY (run_id, name, digest))`,
  `CREATE TABLE IF NOT EXISTS run_outputs (run_id TEXT NOT NULL, model_id TEXT NOT NULL, step BIGINT NOT NULL, PRIMARY KEY (run_id, model_id))`,
  `CREATE TABLE IF NOT EXISTS logged_models (
     model_id TEXT PRIMARY KEY, experiment_id BIGINT NOT NULL, name TEXT NOT NULL, source_run_id TEXT, status TEXT NOT NULL,
     artifact_location TEXT NOT NULL, model_type TEXT, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL,
     lifecycle_stage TEXT NOT NULL DEFAULT 'active')`,
  `CREATE TABLE IF NOT EXISTS logged_model_params (model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key))`,
  `CREATE TABLE IF NOT EXISTS logged_model_tags (model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key))`,
  `CREATE TABLE IF NOT EXISTS registered_models (
     name TEXT PRIMARY KEY, description TEXT NOT NULL, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS registered_model_tags (name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key))`,
  `CREATE TABLE IF NOT EXISTS registered_model_aliases (name TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (name, alias))`,
  `CREATE TABLE IF NOT EXISTS model_versions (
     name TEXT NOT NULL, version BIGINT NOT NULL, source TEXT NOT NULL, run_id TEXT, model_id TEXT, status TEXT NOT NULL,
     description TEXT NOT NULL, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL,
     current_stage TEXT NOT NULL DEFAULT 'None', PRIMARY KEY (name, version))`,
  `CREATE TABLE IF NOT EXISTS model_version_tags (
     name TEXT NOT NULL, version BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, version, key))`,
  `INSERT INTO aquifer_counters (name, value) VALUES ('schema_version', ${SCHEMA_VERSION}) ON CONFLICT (name) DO NOTHING`,
  `INSERT INTO aquifer_counters (name, value) VALUES ('experiment', 0) ON CONFLICT (name) DO NOTHING`,
];

/**
 * The statements that bring a store of the version before each up to it, run in the opening
 * transaction after SCHEMA (which has made the new tables) when `schema_version` is older.
 */
export const MIGRATIONS: Readonly<Record<number, readonly string[]>> = {
  // 1 → 2 (SQLite needs a WHERE before an INSERT … SELECT's ON CONFLICT): metric points get is_nan and a latest table, model metrics their own table (the
  // model_id column kept only the first copy of a point), versions a stage, logged models a lifecycle.
  2: [
    `INSERT INTO run_metric_points (run_id, key, value, is_nan, timestamp, step)
     SELECT run_id, key, value, 0, timestamp, step FROM run_metrics WHERE 1 = 1 ON CONFLICT DO NOTHING`,
    `INSERT INTO run_latest_metrics (run_id, key, value, is_nan, timestamp, step)
     SELECT p.run_id, p.key, p.value, p.is_nan, p.timestamp, p.step FROM run_metric_points p
     WHERE NOT EXISTS (SELECT 1 FROM run_metric_points o WHERE o.run_id = p.run_id AND o.key = p.key
                       AND (o.step, o.timestamp, o.value) > (p.step, p.timestamp, p.value))
     ON CONFLICT DO NOTHING`,
    `INSERT INTO logged_model_metrics (model_id, key, value, timestamp, step, run_id)
     SELECT model_id, key, value, timestamp, step, run_id FROM run_metrics WHERE model_id IS NOT NULL ON CONFLICT DO NOTHING`,
    `DROP TABLE run_metrics`,
    `ALTER TABLE logged_models ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active'`,
    `ALTER TABLE model_versions ADD COLUMN current_stage TEXT NOT NULL DEFAULT 'None'`,
  ],
};
