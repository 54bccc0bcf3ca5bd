import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions, type FeatureStore } from '../../../src/features/index.js';
import { ModelServing, openModelStore, train, type ModelStore } from '../../../src/models/index.js';
import { modelDriftReport, modelQuality } from '../../../src/monitor/index.js';
import type { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { createModelProject, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../../support/model-project.js';

/**
 * The whole path: a scikit-learn model trained by `train` on a saved training set, exported
 * to ONNX, served in process from the online store, its predictions logged; then one feature
 * of the source table shifts, the store is materialized again and every user is predicted again.
 */
const USERS = Array.from({ length: 200 }, (_, i) => `u${i}`);

describe.runIf(modelsPythonAvailable())('an ONNX model served from the online store, monitored', () => {
  let engine: Engine;
  let project: Project;
  let store: ModelStore;
  let features: FeatureStore;
  let serving: ModelServing;
  let between: Date;
  let before: { predictions: unknown[]; request_id: string };

  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    project = await createModelProject(engine, USERS.length);
    await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
    store = await openModelStore(project);
    const trained = await train(project, engine, store, {
      model: 'churn',
      trainingSet: 'churn_train',
      label: 'label',
      command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
    });
    expect(trained.exitCode).toBe(0);
    features = await openAppliedFeatureStore(project, engine);
    await features.materialize(0, '2030-01-01T00:00:00Z');
    serving = new ModelServing({
      project,
      engine,
      store: () => Promise.resolve(store),
      featureStore: () => Promise.resolve(features),
      logDurability: 'before-response',
    });
    before = await serving.predict({ name: 'churn' }, { entities: { user_id: USERS } });
    // Orders the two batches' log times; nothing is measured.
    await new Promise((resolve) => setTimeout(resolve, 5));
    between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const stats = await DeltaTable.open(project.tablePath('user_stats'), { engine });
    await stats.append({
      sql: `SELECT user_id, TIMESTAMPTZ '2024-05-02 00:00:00+00' AS ts, f0 + 20 AS f0, f1, f2, f3 FROM (${await (await stats.scan()).sql()})`,
    });
    await features.materialize(0, '2030-01-01T00:00:00Z');
    await serving.predict({ name: 'churn' }, { entities: { user_id: USERS } });
    await serving.close();
  }, 300_000);

  afterAll(async () => {
    await features?.online?.close();
    await store?.close();
    engine?.close();
  });

  it('finds no feature drift while it is served what it learned from, and the shifted feature alone after', async () => {
    const early = await modelDriftReport(project, engine, { model: 'churn', until: between, store });
    // skl2onnx's classifier logs `label` and `probabilities` outputs: the predictions are classes.
    expect(early.model).toMatchObject({ version: '1', task: 'classification', label: 'label', trainingSet: { name: 'churn_train' } });
    expect(early.current.rows).toBe(USERS.length);
    expect(early.columns.map((c) => c.column)).toEqual(['f0', 'f1', 'f2', 'f3', 'prediction']);
    expect(early.columns.filter((c) => c.column !== 'prediction' && c.drifted)).toEqual([]);
    const late = await modelDriftReport(project, engine, { model: 'churn', since: between, store });
    expect(late.columns.filter((c) => c.column !== 'prediction' && c.drifted).map((c) => c.column)).toEqual(['f0']);
  });

  it('gives the accuracy of the served predictions against the labels fed back, as counted here', async () => {
    const rows = await engine.query(
      `SELECT user_id, label FROM (${await (await (await DeltaTable.open(project.tablePath('churn_train'), { engine })).scan()).sql()})`,
    );
    const truth = new Map(rows.map((r) => [String(r['user_id']), Number(r['label'])]));
    const labels = USERS.map((u) => truth.get(u) as number);
    await serving.feedback(
      'churn',
      labels.map((label, row) => ({ request_id: before.request_id, row, label })),
    );
    const right = before.predictions.filter((p, i) => Number(p) === labels[i]).length;
    const quality = await modelQuality(project, engine, { model: 'churn', window: 'day', store });
    expect(quality.rows).toHaveLength(1);
    expect(quality.rows[0]).toMatchObject({ version: '1', count: USERS.length });
    expect(quality.rows[0]?.accuracy).toBeCloseTo(right / USERS.length, 12);
  });
});
