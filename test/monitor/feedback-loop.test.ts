import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions, type FeatureStore } from '../../src/features/index.js';
import { ModelServing, openModelStore, train, type ModelStore } from '../../src/models/index.js';
import { openMonitorResults, runMonitors, type ActionOutcome, type MonitorResult } from '../../src/monitor/index.js';
import type { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { createModelProject, MODELS_PYTHON, modelsPythonAvailable, TRAIN_ONNX_SCRIPT } from '../support/model-project.js';
import { startReceiver, type WebhookReceiver } from './alerts/webhook-receiver.js';
import { writeMonitor } from './monitors/fixture.js';

/**
 * The feedback loop, end to end: a model served from the online store with its predictions
 * logged, two model_drift monitors on its champion with a retrain action each, and drift
 * planted into the stream of predictions (one feature of the source table moves by +20 and
 * the store is materialized again). One monitor retrains with a command that can only learn a
 * constant (it must not win); the other reruns the champion's own training on a refreshed set.
 */
const USERS = Array.from({ length: 200 }, (_, i) => `u${i}`);
const FAST = { webhook: { backoffMs: 5 } };

describe.runIf(modelsPythonAvailable())('monitors that retrain', () => {
  let engine: Engine;
  let project: Project;
  let store: ModelStore;
  let features: FeatureStore;
  let serving: ModelServing;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    project = await createModelProject(engine, USERS.length);
    await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
    store = await openModelStore(project);
    const trained = await train(project, engine, store, {
      model: 'churn',
      trainingSet: 'churn_train',
      label: 'label',
      command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT],
    });
    await store.setAlias('churn', 'champion', trained.version?.version as number);
    features = await openAppliedFeatureStore(project, engine);
    await features.materialize(0, '2030-01-01T00:00:00Z');
    serving = new ModelServing({
      project,
      engine,
      store: () => Promise.resolve(store),
      featureStore: () => Promise.resolve(features),
      logDurability: 'before-response',
    });
    // Users the training set never saw, with the moved feature and the label of the unmoved one.
    await DeltaTable.create(project.tablePath('drift_holdout'), {
      engine,
      data: {
        sql: `SELECT 'u' || i AS user_id, ((i * 37) % 101) / 10.0 + 20 AS f0, ((i * 53) % 89) / 7.0 AS f1, ((i * 11) % 17)::DOUBLE AS f2,
                (i % 5) / 2.0 AS f3, (((i * 37) % 101) / 10.0 + ((i * 53) % 89) / 7.0 > 10)::INTEGER AS label
              FROM range(200, 400) t(i)`,
      },
    });
    receiver = await startReceiver();
    const watch = { kind: 'model_drift', model: 'churn', version: 'champion', every: '1h', last: '1d', columns: ['f0', 'f1', 'f2', 'f3'], driftShare: 0.25 };
    await writeMonitor(project, 'a-constant', {
      ...watch,
      alerts: { webhook: { url: receiver.url } },
      actions: [{ type: 'retrain', holdout: { table: 'drift_holdout' }, metric: 'f1', command: [MODELS_PYTHON as string, TRAIN_ONNX_SCRIPT, '--constant'] }],
    });
    await writeMonitor(project, 'b-retrain', {
      ...watch,
      alerts: { webhook: { url: receiver.url } },
      actions: [{ type: 'retrain', holdout: { table: 'drift_holdout' }, metric: 'accuracy' }],
    });
  }, 300_000);

  afterAll(async () => {
    await serving?.close();
    await receiver?.stop();
    await features?.online?.close();
    await store?.close();
    engine?.close();
  });

  const predictBatch = (from: number, to: number) => serving.predict({ name: 'churn', version: 'champion' }, { entities: { user_id: USERS.slice(from, to) } });
  const statuses = (run: { results: MonitorResult[] }) => run.results.map((r) => [r.monitor, r.status, r.alert]);
  const retrainOf = (result: MonitorResult | undefined) => (result?.details['actions'] as ActionOutcome[] | undefined)?.[0];

  it('fires once on drift planted in the stream, retrains, moves the alias only for the better version, and resolves once', async () => {
    // Served what it learned from: nothing drifts, nothing fires, nothing retrains.
    await predictBatch(0, 100);
    await predictBatch(100, 200);
    expect(statuses(await runMonitors(project, { engine, ...FAST }))).toEqual([
      ['a-constant', 'ok', null],
      ['b-retrain', 'ok', null],
    ]);

    // The drift lands: the champion (version 1) now serves the moved feature.
    const stats = await DeltaTable.open(project.tablePath('user_stats'), { engine });
    await stats.append({
      sql: `SELECT user_id, TIMESTAMPTZ '2024-05-15 00:00:00+00' AS ts, f0 + 20 AS f0, f1, f2, f3 FROM (${await (await stats.scan()).sql()})`,
    });
    await features.materialize(0, '2030-01-01T00:00:00Z');
    await predictBatch(0, 100);
    await predictBatch(100, 200);

    // The constant learner's monitor fires, twice breaching but once firing: one retraining, rejected.
    const first = await runMonitors(project, { engine, names: ['a-constant'], ...FAST });
    expect(statuses(first)).toEqual([['a-constant', 'breach', 'firing']]);
    expect(retrainOf(first.results[0])).toMatchObject({
      type: 'retrain',
      model: 'churn',
      outcome: 'rejected',
      previousVersion: 1,
      version: 2,
      aliasVersion: 1,
    });
    expect(statuses(await runMonitors(project, { engine, names: ['a-constant'], ...FAST }))).toEqual([['a-constant', 'breach', null]]);
    expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(1);

    // The other retrains the champion's own way on a refreshed set: better on the holdout, so promoted.
    const second = await runMonitors(project, { engine, names: ['b-retrain'], ...FAST });
    expect(statuses(second)).toEqual([['b-retrain', 'breach', 'firing']]);
    const promoted = retrainOf(second.results[0]);
    expect(promoted).toMatchObject({ outcome: 'promoted', previousVersion: 1, version: 3, aliasVersion: 3 });
    if (promoted === undefined || !('metric' in promoted)) throw new Error('no retraining outcome');
    expect(promoted.metric.candidate).toBeGreaterThan(promoted.metric.previous as number);
    expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(3);
    const version = await store.getModelVersion('churn', 3);
    expect(version.tags.find((t) => t.key === 'aquifer.retrain.trigger')?.value).toBe('b-retrain');
    expect((await store.getModelVersion('churn', 2)).tags.find((t) => t.key === 'aquifer.retrain.outcome')?.value).toBe('rejected');

    // The new champion serves the moved feature it learned from: both monitors resolve, once.
    await predictBatch(0, 200);
    expect(statuses(await runMonitors(project, { engine, ...FAST }))).toEqual([
      ['a-constant', 'ok', 'resolved'],
      ['b-retrain', 'ok', 'resolved'],
    ]);
    expect(statuses(await runMonitors(project, { engine, ...FAST }))).toEqual([
      ['a-constant', 'ok', null],
      ['b-retrain', 'ok', null],
    ]);
    expect(receiver.received.map((r) => [r.body.monitor, r.body.status])).toEqual([
      ['a-constant', 'firing'],
      ['b-retrain', 'firing'],
      ['a-constant', 'resolved'],
      ['b-retrain', 'resolved'],
    ]);

    // Every step is in the results table: the retraining outcomes with the runs that fired them.
    const results = await openMonitorResults(project, engine);
    const rows = await engine.query(
      `SELECT monitor, status, alert, details FROM (${await (await results.scan()).sql()}) WHERE alert = 'firing' ORDER BY started_at`,
    );
    results.close();
    expect(
      rows.map((r) => [
        r['monitor'],
        (JSON.parse(String(r['details'])) as { actions: ActionOutcome[] }).actions.map((a) =>
          'outcome' in a ? a.outcome : 'error' in a ? a.error.code : a.status,
        ),
      ]),
    ).toEqual([
      ['a-constant', ['rejected']],
      ['b-retrain', ['promoted']],
    ]);
  }, 600_000);
});
