import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { modelStoreFile, openModelStore, train } from '../../../src/models/index.js';
import { CONFIG_FILE, Project } from '../../../src/project/index.js';
import { existsSync } from 'node:fs';
import { createModelProject, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../../support/model-project.js';
import { postgresAvailable, startPostgres, type PostgresService } from '../../support/services.js';

const present = postgresAvailable() && modelsPythonAvailable();
let postgres: PostgresService | undefined;
let engine: Engine;

beforeAll(async () => {
  if (!present) return;
  postgres = await startPostgres();
  engine = await Engine.create({ threads: 2 });
}, 200_000);
afterAll(async () => {
  engine?.close();
  await postgres?.stop();
}, 120_000);

describe.skipIf(!present)('training with the metadata in PostgreSQL', () => {
  it('records runs and versions in the database the project config names (by an environment variable), none in the project folder', async () => {
    const made = await createModelProject(engine, 50);
    const file = path.join(made.root, CONFIG_FILE);
    const config = JSON.parse(await readFile(file, 'utf8'));
    config.backends.metadata = { type: 'postgres', urlEnv: 'AQUIFER_TEST_METADATA_URL' };
    await writeFile(file, JSON.stringify(config));
    made.close();
    process.env['AQUIFER_TEST_METADATA_URL'] = (postgres as PostgresService).url;
    const project = await Project.open(made.root);
    const store = await openModelStore(project);
    try {
      const result = await train(project, engine, store, {
        model: 'churn',
        trainingSet: 'churn_train',
        label: 'label',
        command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
      });
      expect(result.version?.version).toBe(1);
      expect(existsSync(modelStoreFile(project.root))).toBe(false);
    } finally {
      await store.close();
    }
    // Another opening of the same project (another process, in practice) sees the run.
    const again = await openModelStore(project);
    try {
      const version = await again.getModelVersion('churn', 1);
      expect((await again.getRun(version.runId as string)).info.status).toBe('FINISHED');
    } finally {
      await again.close();
      project.close();
      delete process.env['AQUIFER_TEST_METADATA_URL'];
    }
  }, 200_000);

  it('refuses a PostgreSQL config whose URL variable is unset, naming the field', async () => {
    const made = await createModelProject(engine, 10);
    const file = path.join(made.root, CONFIG_FILE);
    const config = JSON.parse(await readFile(file, 'utf8'));
    config.backends.metadata = { type: 'postgres', urlEnv: 'AQUIFER_TEST_UNSET_URL' };
    await writeFile(file, JSON.stringify(config));
    made.close();
    const project = await Project.open(made.root);
    await expect(openModelStore(project)).rejects.toMatchObject({ code: 'PROJECT_CONFIG_INVALID' });
    project.close();
  }, 200_000);
});
