import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDatabase, SqlModelStore } from '../../../src/models/index.js';
import { runModelStoreContract } from '../../contracts/model-store.contract.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function fileStore(dir?: string): Promise<{ store: SqlModelStore; dir: string }> {
  const root = dir ?? (await mkdtemp(path.join(os.tmpdir(), 'aquifer-models-')));
  if (dir === undefined) dirs.push(root);
  return { store: await SqlModelStore.open(new SqliteDatabase(path.join(root, '.aquifer', 'models.db'))), dir: root };
}

runModelStoreContract('SQLite in the project', async () => (await fileStore()).store);

describe('the SQLite model store', () => {
  it('keeps what was logged across a reopen, and two stores on one file see each other', async () => {
    const { store, dir } = await fileStore();
    const other = (await fileStore(dir)).store;
    try {
      await store.createRegisteredModel('m');
      await other.createModelVersion({ name: 'm', source: 'models:/m-1' });
      expect((await store.getRegisteredModel('m')).name).toBe('m');
      expect((await store.listModelVersions({ names: ['m'] })).items.map((v) => v.version)).toEqual([1]);
    } finally {
      await store.close();
      await other.close();
    }
    const reopened = (await fileStore(dir)).store;
    try {
      expect((await reopened.getModelVersion('m', 1)).source).toBe('models:/m-1');
    } finally {
      await reopened.close();
    }
  });

  it('brings a version 1 store up: metric points, latest values and model metrics kept, versions in stage None, logged models live', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'aquifer-models-v1-'));
    dirs.push(root);
    const file = path.join(root, '.aquifer', 'models.db');
    await fileStore(root).then(({ store }) => store.close());
    // Rewind the fresh file to version 1's layout of the tables version 2 changed, with data in them.
    const v1 = new Database(file);
    v1.exec(`
      DROP TABLE run_metric_points; DROP TABLE run_latest_metrics; DROP TABLE logged_model_metrics;
      DROP TABLE logged_models; DROP TABLE model_versions;
      CREATE TABLE run_metrics (run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, timestamp BIGINT NOT NULL,
        step BIGINT NOT NULL, model_id TEXT, PRIMARY KEY (run_id, key, timestamp, step, value));
      CREATE TABLE logged_models (model_id TEXT PRIMARY KEY, experiment_id BIGINT NOT NULL, name TEXT NOT NULL, source_run_id TEXT,
        status TEXT NOT NULL, artifact_location TEXT NOT NULL, model_type TEXT, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL);
      CREATE TABLE model_versions (name TEXT NOT NULL, version BIGINT NOT NULL, source TEXT NOT NULL, run_id TEXT, model_id TEXT,
        status TEXT NOT NULL, description TEXT NOT NULL, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL, PRIMARY KEY (name, version));
      UPDATE aquifer_counters SET value = 1 WHERE name = 'schema_version';
      INSERT INTO runs VALUES ('r1', 0, 'r', '', 'FINISHED', 1, 2, 'mlflow-artifacts:/0/r1/artifacts', 'active');
      INSERT INTO run_metrics VALUES ('r1', 'loss', 1.0, 10, 0, 'm-1'), ('r1', 'loss', 0.5, 11, 1, NULL), ('r1', 'loss', 0.7, 9, 1, NULL);
      INSERT INTO logged_models VALUES ('m-1', 0, 'model', 'r1', 'LOGGED_MODEL_READY', 'mlflow-artifacts:/0/models/m-1/artifacts', NULL, 1, 1);
      INSERT INTO registered_models VALUES ('churn', '', 1, 1);
      INSERT INTO model_versions VALUES ('churn', 1, 'models:/m-1', 'r1', 'm-1', 'READY', '', 1, 1);
    `);
    v1.close();
    const { store } = await fileStore(root);
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
    const after = new Database(file, { readonly: true });
    try {
      expect(after.prepare(`SELECT value FROM aquifer_counters WHERE name = 'schema_version'`).get()).toEqual({ value: 2 });
      expect(after.prepare(`SELECT name FROM sqlite_master WHERE name = 'run_metrics'`).get()).toBeUndefined();
    } finally {
      after.close();
    }
  });
});
