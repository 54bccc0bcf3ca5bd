import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { createModelProject, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../support/model-project.js';

const present = modelsPythonAvailable();
let project: Project;
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await createModelProject(engine);
}, 120_000);
afterAll(() => {
  project?.close();
  engine?.close();
});

describe.skipIf(!present)('model commands', () => {
  it('trains two versions, aliases, shows, compares, lists runs and reproduces, in text and JSON', async () => {
    const at = ['--project', project.root];
    const trained = await runCli([
      'train',
      'churn',
      '--training-set',
      'churn_train',
      '--label',
      'label',
      '--param',
      'C=1.0',
      ...at,
      '--format',
      'json',
      '--',
      MODELS_PYTHON as string,
      TRAIN_ONNX_SCRIPT,
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const first = JSON.parse(trained.stdout);
    expect(first).toMatchObject({
      exitCode: 0,
      trainingSet: { name: 'churn_train', version: 0, rows: 200 },
      version: { name: 'churn', version: 1, trainingSet: 'churn_train' },
    });
    // The command's own output goes to stderr, so stdout stays JSON.
    expect(trained.stderr).toContain('training on 200 rows');

    const second = await runCli(
      ['train', 'churn', '--training-set', 'churn_train', '--label', 'label', '--param', 'C=0.01', ...at, '--', MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
      {
        env: { ...process.env, C: '0.01' },
      },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Registered churn version 2.');

    expect((await runCli(['models', 'alias', 'churn', 'champion', '1', ...at])).stdout).toContain('churn@champion → version 1');
    const list = JSON.parse((await runCli(['models', 'list', ...at, '--format', 'json'])).stdout);
    expect(list).toEqual([{ name: 'churn', description: '', versions: 2, latest: 2, aliases: [{ alias: 'champion', version: 1 }] }]);
    const shown = await runCli(['models', 'show', 'churn', '@champion', ...at]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('churn version 1 (@champion)');
    expect(shown.stdout).toContain('pinned tables  user_stats@v0');
    const shownJson = JSON.parse((await runCli(['models', 'show', 'churn', '2', ...at, '--format', 'json'])).stdout);
    expect(shownJson.run.params).toEqual([{ key: 'C', value: '0.01' }]);
    const compared = await runCli(['models', 'compare', 'churn', '1', '2', ...at]);
    expect(compared.stdout).toContain('metric accuracy');
    expect(compared.stdout).toContain('param C');
    const runs = JSON.parse((await runCli(['models', 'runs', 'churn', ...at, '--format', 'json'])).stdout);
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['FINISHED', 'FINISHED']);

    const stats = await DeltaTable.open(project.tablePath('user_stats'), { engine, stores: project.stores });
    await stats.append({
      sql: `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-05-20 00:00:00+00' AS ts, 7.0 AS f0, 7.0 AS f1, 7.0 AS f2, 7.0 AS f3 FROM range(50) t(i)`,
    });
    const reproduced = await runCli(['models', 'reproduce', 'churn', 'champion', ...at, '--format', 'json']);
    expect(reproduced.code, reproduced.stderr).toBe(0);
    expect(JSON.parse(reproduced.stdout)).toMatchObject({ identical: true, expected: { rows: 200 }, actual: { rows: 200 } });
  }, 240_000);

  it('hands the command an MLflow tracking server for its run: what the mlflow client logs and registers lands in the same run and version', async () => {
    const at = ['--project', project.root];
    const env = { ...process.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' };
    const logged = await runCli(
      [
        'train',
        'tracked',
        '--training-set',
        'churn_train',
        '--label',
        'label',
        ...at,
        '--format',
        'json',
        '--',
        MODELS_PYTHON as string,
        TRAIN_ONNX_SCRIPT,
        '--mlflow',
      ],
      { env },
    );
    expect(logged.code, logged.stderr).toBe(0);
    const run = JSON.parse(logged.stdout).run;
    expect(run.params).toEqual([{ key: 'solver', value: 'lbfgs' }]);
    expect(run.metrics.map((m: { key: string }) => m.key).sort()).toEqual(['accuracy', 'loss', 'mlflow_accuracy']);
    expect(run.status).toBe('FINISHED');

    const registered = await runCli(
      [
        'train',
        'tracked',
        '--training-set',
        'churn_train',
        '--label',
        'label',
        ...at,
        '--format',
        'json',
        '--',
        MODELS_PYTHON as string,
        TRAIN_ONNX_SCRIPT,
        '--mlflow-register',
        'tracked',
      ],
      { env },
    );
    expect(registered.code, registered.stderr).toBe(0);
    const out = JSON.parse(registered.stdout);
    // The version the client registered is the run's: tagged with the training set, not registered twice.
    expect(out.version).toMatchObject({ name: 'tracked', version: 2, runId: out.run.runId, trainingSet: 'churn_train' });
    expect(out.version.source).toMatch(/^models:\/m-[0-9a-f]{32}$/);
    const list = JSON.parse((await runCli(['models', 'list', ...at, '--format', 'json'])).stdout);
    expect(list.find((m: { name: string }) => m.name === 'tracked')).toMatchObject({ versions: 2 });
    // The train command's token was for the run only.
    const tokens = JSON.parse((await runCli(['tokens', 'list', ...at, '--format', 'json'])).stdout);
    expect(tokens.every((t: { revoked?: string }) => t.revoked !== undefined)).toBe(true);
  }, 240_000);

  it('exits 1 with MODEL_TRAINING_FAILED when the command fails, and 2 without a command', async () => {
    const failed = await runCli([
      'train',
      'churn',
      '--training-set',
      'churn_train',
      '--label',
      'label',
      '--project',
      project.root,
      '--',
      MODELS_PYTHON as string,
      TRAIN_ONNX_SCRIPT,
      '--fail',
    ]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('MODEL_TRAINING_FAILED');
    expect(failed.stdout).toContain('FAILED (exit 3)');
    const missing = await runCli(['train', 'churn', '--training-set', 'churn_train', '--project', project.root]);
    expect(missing.code).toBe(2);
    const unknown = await runCli(['models', 'show', 'nope', '--project', project.root, '--format', 'json']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('MODEL_STORE_NOT_FOUND');
  }, 240_000);
});
