import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { openModelStore, train } from '../../src/models/index.js';
import type { Project } from '../../src/project/index.js';
import { runCli } from '../support/cli.js';
import { createModelProject, landChangedRelation, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../support/model-project.js';

const present = modelsPythonAvailable();
let project: Project;
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await createModelProject(engine);
  if (!present) return;
  const store = await openModelStore(project);
  try {
    const champion = await train(project, engine, store, {
      model: 'churn',
      trainingSet: 'churn_train',
      label: 'label',
      command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
    });
    await store.setAlias('churn', 'champion', champion.version?.version as number);
  } finally {
    await store.close();
  }
  await landChangedRelation(project, engine);
}, 180_000);
afterAll(() => {
  project?.close();
  engine?.close();
});

describe.skipIf(!present)('aquifer models retrain', () => {
  const at = () => ['--project', project.root];

  it('retrains with the recorded command on a refreshed set and moves the alias when the new version wins, in JSON', async () => {
    const out = await runCli([
      'models',
      'retrain',
      'churn',
      '--holdout',
      'churn_holdout',
      '--metric',
      'accuracy',
      '--trigger',
      'drift-monitor',
      ...at(),
      '--format',
      'json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result).toMatchObject({
      outcome: 'promoted',
      previousVersion: 1,
      version: 2,
      aliasVersion: 2,
      trigger: 'drift-monitor',
      trainingSet: { refreshedFrom: 'churn_train' },
    });
    expect(result.trainingSet.name).toMatch(/^churn_train-retrain-\d{8}-\d{6}-\d{3}$/);
    expect(out.stderr).toContain('training on 200 rows');
    const shown = JSON.parse((await runCli(['models', 'show', 'churn', 'champion', ...at(), '--format', 'json'])).stdout);
    expect(shown.version).toBe(2);
  }, 240_000);

  it('keeps the alias for a worse command given after --, and says so in text', async () => {
    const out = await runCli([
      'models',
      'retrain',
      'churn',
      '--holdout',
      'churn_holdout',
      '--metric',
      'f1',
      '--no-tracking',
      ...at(),
      '--',
      MODELS_PYTHON as string,
      TRAIN_ONNX_SCRIPT,
      '--constant',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('Not promoted: churn@champion stays at version 2.');
  }, 240_000);

  it('exits 1 with MODEL_TRAINING_FAILED when the command fails, and 2 for an unknown metric', async () => {
    const failed = await runCli([
      'models',
      'retrain',
      'churn',
      '--holdout',
      'churn_holdout',
      '--metric',
      'accuracy',
      '--no-tracking',
      ...at(),
      '--',
      MODELS_PYTHON as string,
      TRAIN_ONNX_SCRIPT,
      '--fail',
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('MODEL_TRAINING_FAILED');
    expect(failed.stdout).toContain('Failed: churn@champion stays at version 2.');
    const unknown = await runCli(['models', 'retrain', 'churn', '--holdout', 'churn_holdout', '--metric', 'auc', ...at()]);
    expect(unknown.code).toBe(2);
  }, 240_000);

  it('reruns a version the way retraining does: `models reproduce --rerun` passes the recorded label and params', async () => {
    const out = await runCli(['models', 'reproduce', 'churn', '1', '--rerun', ...at(), '--format', 'json']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      identical: true,
      rerun: { exitCode: 0, trainingSet: { name: 'churn_train', version: 0 }, version: { version: 4 } },
    });
  }, 240_000);
});
