import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { ModelServing, PredictionLog, registerFunctionModel, unregisterFunctionModel, type PredictionEntry } from '../../../src/models/index.js';
import { modelQuality, type QualityRow } from '../../../src/monitor/index.js';
import { Project } from '../../../src/project/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let project: Project;

/** A logged prediction on day `day` of May 2026 (UTC), hour `hour`. */
const served = (model: string, version: string, requestId: string, day: number, prediction: unknown, hour = 12): PredictionEntry => ({
  requestId,
  rowIndex: 0,
  time: new Date(Date.UTC(2026, 4, day, hour)),
  model,
  version,
  entities: { id: requestId },
  features: { x: 1 },
  prediction,
  outputs: { prediction },
});

/** Log the predictions, then post a label for each [requestId, label] pair (in order: a later label for a row corrects it). */
async function logged(model: string, predictions: PredictionEntry[], labels: [string, unknown][]): Promise<void> {
  const log = new PredictionLog(project, engine);
  log.log(predictions);
  await log.flush();
  expect(log.failed).toBe(0);
  for (const [i, [requestId, label]] of labels.entries())
    await log.feedback(model, `f${i}`, [{ requestId, rowIndex: 0, label, time: new Date(Date.UTC(2026, 5, 1, 0, 0, i)) }]);
}

const close = (expected: Partial<QualityRow>) =>
  Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? expect.closeTo(v, 12) : v]));

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(await tempDir('aquifer-model-quality-'));
  // A binary classifier. Day 1, version 1 (prediction, label): (1,1) (1,0) (0,0) (0,1) (1,true) (0,0);
  // day 2: (1,1) (1,1) (1,0, first labeled 1 then corrected) (0,0), and one prediction never labeled.
  // Version 2 on day 1: (0,1) (0,1).
  const churn: [string, number, number, unknown][] = [
    ['a1', 1, 1, 1],
    ['a2', 1, 1, 0],
    ['a3', 1, 0, 0],
    ['a4', 1, 0, 1],
    ['a5', 1, 1, true],
    ['a6', 1, 0, 0],
    ['b1', 2, 1, 1],
    ['b2', 2, 1, 1],
    ['b3', 2, 1, 1],
    ['b4', 2, 0, 0],
  ];
  await logged(
    'churn',
    [
      ...churn.map(([id, day, prediction]) => served('churn', '1', id, day, prediction)),
      served('churn', '1', 'b5', 2, 1),
      served('churn', '2', 'c1', 1, 0),
      served('churn', '2', 'c2', 1, 0),
    ],
    [...churn.map(([id, , , label]): [string, unknown] => [id, label]), ['b3', 0], ['c1', 1], ['c2', 1]],
  );
  // A three-class classifier, day 1 (prediction, label): (a,a) (a,b) (b,b) (c,b) (c,c) (b,a).
  const species = [
    ['a', 'a'],
    ['a', 'b'],
    ['b', 'b'],
    ['c', 'b'],
    ['c', 'c'],
    ['b', 'a'],
  ] as const;
  await logged(
    'species',
    species.map(([p], i) => served('species', '1', `s${i}`, 1, p, i)),
    species.map(([, y], i) => [`s${i}`, y]),
  );
  // A regressor. Day 1 (prediction, label): (2.5, 3) (4, 4) (1.5, 0.5); day 2: ([10.5], 10) as an ONNX [N, 1] output logs it, (7.5, 9).
  const eta = [
    ['e1', 1, 2.5, 3],
    ['e2', 1, 4, 4],
    ['e3', 1, 1.5, 0.5],
    ['e4', 2, [10.5], 10],
    ['e5', 2, 7.5, 9],
  ] as const;
  await logged(
    'eta',
    eta.map(([id, day, p]) => served('eta', '1', id, day, p)),
    eta.map(([id, , , y]) => [id, y]),
  );
}, 120_000);

afterAll(() => engine?.close());

describe("a model's quality over time from the labels fed back", () => {
  it('gives a binary classifier accuracy, precision, recall and F1 of class 1 per day and version, the latest label counting', async () => {
    const quality = await modelQuality(project, engine, { model: 'churn', window: 'day' });
    expect(quality).toMatchObject({ model: 'churn', task: 'classification', window: 'day', average: 'binary', positive: 1 });
    // Day 1 v1: TP 2, FP 1, FN 1, TN 2. Day 2 v1: TP 2, FP 1, FN 0, TN 1 (b5 has no label). Day 1 v2: TP 0, FP 0, FN 2: zero division gives 0.
    expect(quality.rows).toEqual([
      close({ window_start: '2026-05-01T00:00:00Z', version: '1', count: 6, accuracy: 4 / 6, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 }),
      close({ window_start: '2026-05-01T00:00:00Z', version: '2', count: 2, accuracy: 0, precision: 0, recall: 0, f1: 0 }),
      close({ window_start: '2026-05-02T00:00:00Z', version: '1', count: 4, accuracy: 3 / 4, precision: 2 / 3, recall: 1, f1: 0.8 }),
    ]);
  });

  it('takes another positive class, one version, and a time range', async () => {
    const quality = await modelQuality(project, engine, { model: 'churn', version: '1', window: 'day', positive: 0, since: '2026-05-02' });
    // Day 2 with class 0 positive: TP 1 (b4), FP 0, FN 1 (b3).
    expect(quality.rows).toEqual([
      close({ window_start: '2026-05-02T00:00:00Z', version: '1', count: 4, accuracy: 3 / 4, precision: 1, recall: 1 / 2, f1: 2 / 3 }),
    ]);
    expect(quality.positive).toBe(0);
  });

  it('macro-averages precision, recall and F1 over the classes of a multiclass classifier', async () => {
    const quality = await modelQuality(project, engine, { model: 'species', window: 'day' });
    expect(quality.average).toBe('macro');
    // Per class (P, R, F1): a (1/2, 1/2, 1/2), b (1/2, 1/3, 2/5), c (1/2, 1, 2/3).
    expect(quality.rows).toEqual([
      close({ window_start: '2026-05-01T00:00:00Z', version: '1', count: 6, accuracy: 0.5, precision: 0.5, recall: 11 / 18, f1: 47 / 90 }),
    ]);
    // By hour: six windows of one prediction each.
    expect((await modelQuality(project, engine, { model: 'species', window: 'hour' })).rows.map((r) => r.window_start)).toEqual(
      [0, 1, 2, 3, 4, 5].map((h) => `2026-05-01T0${h}:00:00Z`),
    );
    await expect(modelQuality(project, engine, { model: 'species', window: 'day', positive: 'a' })).rejects.toMatchObject({
      code: 'MONITOR_MODEL_OPTIONS_INVALID',
    });
  });

  it('gives a regressor RMSE and MAE per day, and per week', async () => {
    const quality = await modelQuality(project, engine, { model: 'eta', window: 'day' });
    expect(quality).toMatchObject({ task: 'regression', window: 'day' });
    expect(quality.rows).toEqual([
      close({ window_start: '2026-05-01T00:00:00Z', version: '1', count: 3, rmse: Math.sqrt(1.25 / 3), mae: 0.5 }),
      close({ window_start: '2026-05-02T00:00:00Z', version: '1', count: 2, rmse: Math.sqrt(1.25), mae: 1 }),
    ]);
    // 2026-05-01 is a Friday: its ISO week starts on Monday 2026-04-27.
    expect((await modelQuality(project, engine, { model: 'eta', window: 'week' })).rows).toEqual([
      close({ window_start: '2026-04-27T00:00:00Z', version: '1', count: 5, rmse: Math.sqrt(3.75 / 5), mae: 3.5 / 5 }),
    ]);
  });

  it('measures a function model served in process, from the feedback posted through serving', async () => {
    registerFunctionModel('double', (rows) => rows.map((r) => Number(r['x']) * 2 + 0.5));
    try {
      const serving = new ModelServing({ project, engine, featureStore: () => Promise.reject(new Error('the model reads no stored features')) });
      const answer = await serving.predict({ name: 'double' }, { instances: [{ x: 1 }, { x: 2 }, { x: 4 }] });
      expect(answer.predictions).toEqual([2.5, 4.5, 8.5]);
      await serving.close();
      await serving.feedback('double', [
        { request_id: answer.request_id, row: 0, label: 3 },
        { request_id: answer.request_id, row: 1, label: 4 },
        { request_id: answer.request_id, row: 2, label: 10.5 },
      ]);
      const quality = await modelQuality(project, engine, { model: 'double', version: 'function', window: 'day' });
      // Errors -0.5, 0.5, -2.
      expect(quality.rows).toEqual([
        close({ window_start: expect.stringMatching(/T00:00:00Z$/) as unknown as string, version: 'function', count: 3, rmse: Math.sqrt(4.5 / 3), mae: 1 }),
      ]);
    } finally {
      unregisterFunctionModel('double');
    }
  });

  it('is a typed error for a model that has served nothing, and an unknown window or task', async () => {
    await expect(modelQuality(project, engine, { model: 'nothing', window: 'day' })).rejects.toMatchObject({ code: 'MONITOR_MODEL_NO_FEEDBACK' });
    await expect(modelQuality(project, engine, { model: 'eta', window: 'month' as 'day' })).rejects.toMatchObject({ code: 'MONITOR_MODEL_OPTIONS_INVALID' });
    await expect(modelQuality(project, engine, { model: 'species', window: 'day', task: 'regression' })).rejects.toMatchObject({
      code: 'MONITOR_MODEL_OPTIONS_INVALID',
    });
  });
});
