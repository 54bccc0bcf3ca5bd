import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase, SqlModelStore } from '../../../src/models/index.js';
import { postgresAvailable, startPostgres, type PostgresService } from '../../support/services.js';
import { runModelStoreContract } from '../../contracts/model-store.contract.js';
import pg from 'pg';

const present = postgresAvailable();
let postgres: PostgresService | undefined;
let databases = 0;

beforeAll(async () => {
  if (present) postgres = await startPostgres();
}, 200_000);
afterAll(async () => {
  await postgres?.stop();
}, 120_000);

/** Each store gets a database of its own, so the contract's cases start empty. */
async function freshStore(): Promise<SqlModelStore> {
  return SqlModelStore.open(new PostgresDatabase(await freshDatabase()));
}

async function freshDatabase(): Promise<string> {
  const url = (postgres as PostgresService).url;
  const name = `models_${++databases}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return url.replace(/\/postgres$/, `/${name}`);
}

if (present) runModelStoreContract('PostgreSQL', freshStore);

describe.runIf(present)('the PostgreSQL model store', () => {
  it('brings a version 1 store up: metric points, latest values and model metrics kept, versions in stage None', async () => {
    const url = await freshDatabase();
    await (await SqlModelStore.open(new PostgresDatabase(url))).close();
    // Rewind the fresh database to version 1's layout of the tables version 2 changed, with data in them.
    const v1 = new pg.Client({ connectionString: url });
    await v1.connect();
    try {
      await v1.query(`
        DROP TABLE run_metric_points; DROP TABLE run_latest_metrics; DROP TABLE logged_model_metrics;
        ALTER TABLE logged_models DROP COLUMN lifecycle_stage; ALTER TABLE model_versions DROP COLUMN current_stage;
        CREATE TABLE run_metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, timestamp BIGINT NOT NULL,
          step BIGINT NOT NULL, model_id TEXT, PRIMARY KEY (run_id, key, timestamp, step, value));
        UPDATE aquifer_counters SET value = 1 WHERE name = 'schema_version';
        INSERT INTO runs VALUES ('r1', 0, 'r', '', 'FINISHED', 1, 2, 'mlflow-artifacts:/0/r1/artifacts', 'active');
        INSERT INTO run_metrics VALUES ('r1', 'loss', 1.0, 10, 0, 'm-1'), ('r1', 'loss', 0.5, 11, 1, NULL), ('r1', 'loss', 0.7, 9, 1, NULL);
        INSERT INTO logged_models VALUES ('m-1', 0, 'model', 'r1', 'LOGGED_MODEL_READY', 'mlflow-artifacts:/0/models/m-1/artifacts', NULL, 1, 1);
        INSERT INTO registered_models VALUES ('churn', '', 1, 1);
        INSERT INTO model_versions VALUES ('churn', 1, 'models:/m-1', 'r1', 'm-1', 'READY', '', 1, 1);
      `);
    } finally {
      await v1.end();
    }
    const store = await SqlModelStore.open(new PostgresDatabase(url));
    try {
      expect((await store.metricHistory('r1', 'loss')).map((m) => [m.step, m.value])).toEqual([
        [1, 0.7],
        [0, 1],
        [1, 0.5],
      ]);
      expect((await store.getRun('r1')).metrics).toEqual([{ key: 'loss', value: 0.5, timestamp: 11, step: 1 }]);
      expect((await store.getLoggedModel('m-1')).metrics).toEqual([{ key: 'loss', value: 1, timestamp: 10, step: 0, modelId: 'm-1', runId: 'r1' }]);
      expect((await store.getModelVersion('churn', 1)).currentStage).toBe('None');
    } finally {
      await store.close();
    }
  });
});
