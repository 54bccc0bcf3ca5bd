import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { ArtifactStore, artifactPath, openModelStore, reproduce, train, type ModelStore } from '../../../src/models/index.js';
import type { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { createModelProject, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../../support/model-project.js';

const present = modelsPythonAvailable();
let engine: Engine;
let project: Project;
let store: ModelStore;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await createModelProject(engine);
  store = await openModelStore(project);
}, 120_000);
afterAll(async () => {
  await store?.close();
  project?.close();
  engine?.close();
});

const tagOf = (tags: { key: string; value: string }[], key: string): string | undefined => tags.find((t) => t.key === key)?.value;

describe.skipIf(!present)('train', () => {
  it('runs the command on the pinned training set, records the run, and registers the model folder as a version', async () => {
    const result = await train(project, engine, store, {
      model: 'churn',
      trainingSet: 'churn_train',
      label: 'label',
      command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
      params: { C: '1.0' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.manifest).toMatchObject({
      trainingSet: 'churn_train',
      tableVersion: 0,
      rows: 200,
      label: 'label',
      entityColumns: ['user_id'],
      featureColumns: ['f0', 'f1', 'f2', 'f3'],
      sources: [{ view: 'user_stats', table: 'user_stats', version: 0 }],
    });
    expect(result.manifest.digest).toMatch(/^md5:[0-9a-f]{32}$/);
    const run = result.run;
    expect(run.info.status).toBe('FINISHED');
    expect(run.params).toEqual([{ key: 'C', value: '1.0' }]);
    expect(run.metrics.map((m) => m.key).sort()).toEqual(['accuracy', 'loss']);
    expect((await store.metricHistory(run.info.runId, 'loss')).map((m) => m.value)).toEqual([1, 0.5, 0.25]);
    expect(tagOf(run.tags, 'aquifer.exit_code')).toBe('0');
    expect(tagOf(run.tags, 'aquifer.training_set.digest')).toBe(result.manifest.digest);
    expect(run.inputs[0]?.dataset).toMatchObject({ name: 'churn_train', sourceType: 'delta' });
    expect(JSON.parse(run.inputs[0]?.dataset.source ?? '{}')).toMatchObject({ table: 'churn_train', version: 0 });

    const version = result.version;
    expect(version).toMatchObject({ name: 'churn', version: 1, runId: run.info.runId });
    expect(tagOf(version?.tags ?? [], 'aquifer.training_set')).toBe('churn_train');
    const logged = await store.getLoggedModel(version?.modelId as string);
    expect(logged.status).toBe('LOGGED_MODEL_READY');
    const artifacts = ArtifactStore.forProject(project);
    expect((await artifacts.list(artifactPath(logged.artifactLocation))).map((e) => e.path)).toEqual(['model.onnx']);
    const stdout = new TextDecoder().decode(await artifacts.get(`${artifactPath(run.info.artifactUri)}/logs/stdout.txt`));
    expect(stdout).toContain('training on 200 rows, 4 features');
    const manifest = JSON.parse(new TextDecoder().decode(await artifacts.get(`${artifactPath(run.info.artifactUri)}/training-set/manifest.json`)));
    expect(manifest.digest).toBe(result.manifest.digest);
  }, 120_000);

  it('records a command that exits non-zero as FAILED with its exit code and output, and registers nothing', async () => {
    const before = (await store.listModelVersions({ names: ['churn'] })).items.length;
    const result = await train(project, engine, store, {
      model: 'churn',
      trainingSet: 'churn_train',
      label: 'label',
      command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT, '--fail'],
    });
    expect(result.exitCode).toBe(3);
    expect(result.version).toBeUndefined();
    expect(result.run.info.status).toBe('FAILED');
    expect(tagOf(result.run.tags, 'aquifer.exit_code')).toBe('3');
    const stderr = await ArtifactStore.forProject(project).get(`${artifactPath(result.run.info.artifactUri)}/logs/stderr.txt`);
    expect(new TextDecoder().decode(stderr)).toContain('giving up');
    expect((await store.listModelVersions({ names: ['churn'] })).items.length).toBe(before);
  }, 120_000);

  it('refuses a label the training set does not have, and a command that does not exist, recording the run as FAILED', async () => {
    await expect(train(project, engine, store, { model: 'churn', trainingSet: 'churn_train', label: 'nope', command: ['true'] })).rejects.toMatchObject({
      code: 'MODEL_TRAINING_LABEL_UNKNOWN',
    });
    await expect(train(project, engine, store, { model: 'churn', trainingSet: 'churn_train', command: ['/no/such/trainer'] })).rejects.toMatchObject({
      code: 'MODEL_TRAINING_COMMAND_MISSING',
    });
    const runs = (await store.searchRuns({ experimentIds: [(await store.findExperiment('churn'))?.experimentId as string] })).items;
    expect(runs.slice(0, 2).map((r) => r.info.status)).toEqual(['FAILED', 'FAILED']);
  }, 120_000);

  it('reproduces the training set of an old version with the same rows and digest after new data lands', async () => {
    const stats = await DeltaTable.open(project.tablePath('user_stats'), { engine, stores: project.stores });
    await stats.append({
      sql: `SELECT 'u' || i AS user_id, TIMESTAMPTZ '2024-05-15 00:00:00+00' AS ts, 99.0 AS f0, 99.0 AS f1, 99.0 AS f2, 99.0 AS f3 FROM range(200) t(i)`,
    });
    const reproduced = await reproduce(project, engine, store, 'churn', 1);
    expect(reproduced.identical).toBe(true);
    expect(reproduced.actual).toEqual(reproduced.expected);
    expect(reproduced.expected.rows).toBe(200);
  }, 120_000);

  it('tells a changed training set from the recorded one', async () => {
    await store.setModelVersionTag('churn', 1, { key: 'aquifer.training_set.digest', value: 'md5:00000000000000000000000000000000' });
    const reproduced = await reproduce(project, engine, store, 'churn', 1);
    expect(reproduced.identical).toBe(false);
    expect(reproduced.actual.rows).toBe(200);
  }, 120_000);
});
