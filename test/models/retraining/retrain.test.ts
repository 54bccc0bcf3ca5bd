import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { openModelStore, resolveModelVersion, retrain, train, type ModelStore, type RetrainOptions } from '../../../src/models/index.js';
import { onJobRun, type JobRunEvent } from '../../../src/observe/index.js';
import type { Project } from '../../../src/project/index.js';
import { createModelProject, landChangedRelation, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../../support/model-project.js';

const present = modelsPythonAvailable();
let engine: Engine;
let project: Project;
let store: ModelStore;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await createModelProject(engine, 200);
  store = await openModelStore(project);
  if (!present) return;
  // The champion learned the old relation.
  const champion = await train(project, engine, store, {
    model: 'churn',
    trainingSet: 'churn_train',
    label: 'label',
    command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
  });
  await store.setAlias('churn', 'champion', champion.version?.version as number);
  await landChangedRelation(project, engine);
}, 180_000);
afterAll(async () => {
  await store?.close();
  project?.close();
  engine?.close();
});

const tagOf = (tags: { key: string; value: string }[], key: string): string | undefined => tags.find((t) => t.key === key)?.value;
const options = (extra: Partial<RetrainOptions> = {}): RetrainOptions => ({
  model: 'churn',
  holdout: { table: 'churn_holdout' },
  metric: 'accuracy',
  ...extra,
});

describe.skipIf(!present)('retrain', () => {
  it('trains on a refreshed training set and moves the alias when the new version scores better on the holdout', async () => {
    const events: JobRunEvent[] = [];
    const stop = onJobRun((event) => events.push(event));
    const result = await retrain(project, engine, store, options({ trigger: 'churn-drift', now: () => new Date('2026-12-07T06:00:00.000Z') })).finally(stop);

    expect(result).toMatchObject({
      outcome: 'promoted',
      previousVersion: 1,
      version: 2,
      aliasVersion: 2,
      trigger: 'churn-drift',
      exitCode: 0,
      trainingSet: { name: 'churn_train-retrain-20261207-060000-000', version: 0, rows: 200, refreshedFrom: 'churn_train' },
      holdout: { table: 'churn_holdout', version: 0, rows: 200 },
    });
    expect(result.metric.candidate).toBeGreaterThan(0.9);
    expect(result.metric.previous).toBeLessThan(0.5);
    expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(2);

    // The fresh training set read the feature table at its latest version, and the run was told the recorded label.
    const run = await store.getRun(result.runId);
    expect(JSON.parse(run.inputs[0]?.dataset.source ?? '{}')).toMatchObject({ sources: [{ table: 'user_stats', version: 1 }] });
    expect(run.metrics.find((m) => m.key === 'holdout_accuracy')?.value).toBe(result.metric.candidate);
    expect(run.metrics.find((m) => m.key === 'champion_holdout_accuracy')?.value).toBe(result.metric.previous);
    expect(run.params).toEqual([]);
    const version = await store.getModelVersion('churn', 2);
    expect(tagOf(version.tags, 'aquifer.retrain.outcome')).toBe('promoted');
    expect(tagOf(version.tags, 'aquifer.retrain.previous_version')).toBe('1');
    expect(tagOf(version.tags, 'aquifer.retrain.trigger')).toBe('churn-drift');
    expect(Number(tagOf(version.tags, 'aquifer.retrain.previous_holdout_value'))).toBe(result.metric.previous);
    expect(tagOf(version.tags, 'aquifer.training_set')).toBe(result.trainingSet.name);

    // Lineage: the retraining run reads the fresh set and writes the version; the set's save and the training ran inside it.
    const ended = events.filter((e) => e.state === 'COMPLETE');
    const retraining = ended.find((e) => e.job.name === 'models.retrain.churn');
    expect(retraining?.job.parameters).toMatchObject({ alias: 'champion', trigger: 'churn-drift', outcome: 'promoted', version: '2' });
    expect(retraining?.inputs.map((d) => d.name)).toContain(`training-sets/${result.trainingSet.name}`);
    expect(retraining?.outputs.map((d) => [d.name, d.version])).toEqual([['models/churn', '2']]);
    for (const name of ['models.train.churn', `features.training_set.${result.trainingSet.name}`])
      expect(ended.find((e) => e.job.name === name)?.parent?.runId).toBe(retraining?.runId);
  }, 240_000);

  it('keeps the alias and tags the new version rejected when it does not score better', async () => {
    const result = await retrain(project, engine, store, options({ command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT, '--constant'], metric: 'f1' }));
    expect(result).toMatchObject({ outcome: 'rejected', previousVersion: 2, version: 3, aliasVersion: 2 });
    expect(result.metric.candidate).toBeLessThan(result.metric.previous as number);
    expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(2);
    const version = await store.getModelVersion('churn', 3);
    expect(tagOf(version.tags, 'aquifer.retrain.outcome')).toBe('rejected');
    expect(Number(tagOf(version.tags, 'aquifer.retrain.holdout_value'))).toBe(result.metric.candidate);
    expect(Number(tagOf(version.tags, 'aquifer.retrain.previous_holdout_value'))).toBe(result.metric.previous);
    expect(tagOf(version.tags, 'aquifer.retrain.trigger')).toBe('manual');
    // The loser stays registered but is not what unversioned requests get: `latest` passes over it.
    expect((await resolveModelVersion(store, 'churn', 'latest')).version).toBe(2);
  }, 240_000);

  it('trains on a named training set as saved when told not to refresh it', async () => {
    // churn_train holds the old relation, so the version trained on it does not beat the champion on the new holdout.
    const result = await retrain(project, engine, store, options({ refresh: false, trainingSet: 'churn_train' }));
    expect(result).toMatchObject({ outcome: 'rejected', aliasVersion: 2, trainingSet: { name: 'churn_train', refreshedFrom: null } });
    expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(2);
  }, 240_000);

  it('registers nothing and keeps the alias when the training command fails', async () => {
    const before = (await store.listModelVersions({ names: ['churn'] })).items.length;
    const result = await retrain(project, engine, store, options({ command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT, '--fail'] }));
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3, version: null, aliasVersion: 2 });
    expect(result.reason).toContain('status 3');
    expect((await store.listModelVersions({ names: ['churn'] })).items.length).toBe(before);
    expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(2);
    const run = await store.getRun(result.runId);
    expect(run.info.status).toBe('FAILED');
    expect(tagOf(run.tags, 'aquifer.retrain.outcome')).toBe('failed');
  }, 240_000);

  it('refuses a holdout without the label column before any training', async () => {
    const before = (await store.listModelVersions({ names: ['churn'] })).items.length;
    await expect(retrain(project, engine, store, options({ holdout: { table: 'churn_holdout', label: 'churned' } }))).rejects.toMatchObject({
      code: 'MODEL_RETRAIN_INVALID',
    });
    await expect(retrain(project, engine, store, options({ holdout: { table: 'churn_holdout', where: 'label > 5' } }))).rejects.toMatchObject({
      code: 'MODEL_RETRAIN_INVALID',
    });
    expect((await store.listModelVersions({ names: ['churn'] })).items.length).toBe(before);
  }, 240_000);

  it('tags a new version that cannot be served as rejected and keeps the alias', async () => {
    const writeNotOnnx = ['sh', '-c', 'echo weights > "$AQUIFER_MODEL_DIR/model.bin"'];
    const error = await retrain(project, engine, store, options({ command: writeNotOnnx })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_NOT_SERVABLE' });
    const [newest] = (await store.listModelVersions({ names: ['churn'], maxResults: 1 })).items;
    expect(tagOf(newest?.tags ?? [], 'aquifer.retrain.outcome')).toBe('rejected');
    expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(2);
  }, 240_000);
});
