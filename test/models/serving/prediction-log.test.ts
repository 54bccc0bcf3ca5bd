import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import {
  feedbackRows,
  modelTableStem,
  predictionEntries,
  PredictionLog,
  PREDICTION_LOG_PROPERTIES,
  predictionsTable,
  type PredictedRows,
  type PredictionEntry,
} from '../../../src/models/index.js';
import { Project } from '../../../src/project/index.js';
import { AUTO_COMPACT_MIN_FILES, DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let project: Project;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(await tempDir('aquifer-prediction-log-'));
});

afterAll(() => engine?.close());

const entry = (model: string, requestId: string, rowIndex: number, prediction: unknown): PredictionEntry => ({
  requestId,
  rowIndex,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, rowIndex)),
  model,
  version: '7',
  entities: { user_id: `u${rowIndex}` },
  features: { amount: rowIndex * 1.5, country: 'NZ' },
  prediction,
  outputs: { label: prediction, probabilities: [0.25, 0.75] },
});

describe('the prediction log', () => {
  it('appends in the background, and flush waits until every entry handed over is committed', async () => {
    const log = new PredictionLog(project, engine);
    for (let i = 0; i < 10; i++) log.log([entry('fraud', `r${i}`, 0, i % 2), entry('fraud', `r${i}`, 1, 'text')]);
    await log.flush();
    expect(log.failed).toBe(0);
    const table = await DeltaTable.open(project.tablePath(predictionsTable('fraud'), { internal: true }), { engine });
    // A log that commits every second checkpoints every 100 commits and keeps a day of tombstones, not a week.
    expect((await table.snapshot()).configuration).toMatchObject(PREDICTION_LOG_PROPERTIES);
    const rows = await engine.queryJson(
      `SELECT request_id, row_index, typeof(time) AS time_type, model, version, entities, features, prediction, outputs FROM (${await (await table.scan()).sql()}) ORDER BY request_id, row_index LIMIT 2`,
    );
    expect(rows).toEqual([
      {
        request_id: 'r0',
        // BIGINT, which queryJson gives as text.
        row_index: '0',
        time_type: 'TIMESTAMP WITH TIME ZONE',
        model: 'fraud',
        version: '7',
        entities: '{"user_id":"u0"}',
        features: '{"amount":0,"country":"NZ"}',
        prediction: '0',
        outputs: '{"label":0,"probabilities":[0.25,0.75]}',
      },
      {
        request_id: 'r0',
        row_index: '1',
        time_type: 'TIMESTAMP WITH TIME ZONE',
        model: 'fraud',
        version: '7',
        entities: '{"user_id":"u1"}',
        features: '{"amount":1.5,"country":"NZ"}',
        prediction: '"text"',
        outputs: '{"label":"text","probabilities":[0.25,0.75]}',
      },
    ]);
    expect(await (await table.scan()).count()).toBe(20);
  });

  it('commits the requests that arrive within the linger together, in one Delta commit', async () => {
    const log = new PredictionLog(project, engine);
    for (let i = 0; i < 25; i++) log.log([entry('grouped', `r${i}`, 0, i)]);
    await log.flush();
    const table = await DeltaTable.open(project.tablePath(predictionsTable('grouped'), { internal: true }), { engine });
    const history = await table.history();
    // The table's creation, then one append for all 25 requests.
    expect(history.map((h) => h.operation)).toEqual(['WRITE', 'CREATE TABLE']);
    expect(await (await table.scan()).count()).toBe(25);
  });

  it('hands appends to its thread on its own, with no flush or awaited append to push them', async () => {
    const log = new PredictionLog(project, engine, { lingerMs: 0 });
    log.log([entry('unpushed', 'r1', 0, 1)]);
    const rows = async () => {
      try {
        const table = await DeltaTable.open(project.tablePath(predictionsTable('unpushed'), { internal: true }), { engine });
        return await (await table.scan()).count();
      } catch {
        return 0;
      }
    };
    // Generous: the thread starts (a project and an engine of its own) before its first commit.
    for (let waited = 0; waited < 60_000 && (await rows()) === 0; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await rows()).toBe(1);
    await log.close();
  });

  it('commits what is logged while it closes', async () => {
    const log = new PredictionLog(project, engine);
    log.log([entry('closing', 'r1', 0, 1)]);
    const closed = log.close();
    log.log([entry('closing', 'r2', 0, 2)]);
    await closed;
    expect(log.failed).toBe(0);
    const table = await DeltaTable.open(project.tablePath(predictionsTable('closing'), { internal: true }), { engine });
    expect(await (await table.scan()).count()).toBe(2);
  });

  it('resolves committed() once its rows are in the table, grouping what arrives while a commit runs', async () => {
    const log = new PredictionLog(project, engine, { lingerMs: 0 });
    const table = () => DeltaTable.open(project.tablePath(predictionsTable('waited'), { internal: true }), { engine });
    await log.committed([entry('waited', 'first', 0, 1)]);
    expect(await (await (await table()).scan()).count()).toBe(1);
    await Promise.all(Array.from({ length: 10 }, (_, i) => log.committed([entry('waited', `r${i}`, 0, i)])));
    expect(await (await (await table()).scan()).count()).toBe(11);
  });

  it('compacts its small files as it goes, beside its commits, so a log committed many times keeps few files and every row', async () => {
    const log = new PredictionLog(project, engine, { lingerMs: 0 });
    for (let i = 0; i < AUTO_COMPACT_MIN_FILES + 5; i++) await log.committed([entry('busy', `r${i}`, 0, i)]);
    await log.flush();
    const table = await DeltaTable.open(project.tablePath(predictionsTable('busy'), { internal: true }), { engine });
    expect((await table.history()).some((h) => h.operation === 'OPTIMIZE' && h.operationParameters?.['auto'] === 'true')).toBe(true);
    expect((await table.snapshot()).files.length).toBeLessThan(AUTO_COMPACT_MIN_FILES);
    expect(await (await table.scan()).count()).toBe(AUTO_COMPACT_MIN_FILES + 5);
  });

  it('counts and logs an append that fails, without throwing at the caller', async () => {
    const log = new PredictionLog(project, engine);
    log.log([entry('x'.repeat(300), 'r1', 0, 1)]);
    await log.flush();
    expect(log.failed).toBe(1);
  });

  it('joins labels fed back to their predictions, the latest label per row', async () => {
    const log = new PredictionLog(project, engine);
    log.log([entry('churn', 'a', 0, 0), entry('churn', 'a', 1, 1)]);
    log.log([entry('churn', 'b', 0, 1)]);
    await log.flush();
    expect(await feedbackRows(project, engine, 'churn')).toEqual([]);
    const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 0, 0, s));
    await log.feedback('churn', 'f1', [
      { requestId: 'a', rowIndex: 1, label: 0, time: at(1) },
      { requestId: 'b', rowIndex: 0, label: 1, time: at(1) },
    ]);
    await log.feedback('churn', 'f2', [{ requestId: 'a', rowIndex: 1, label: 1, time: at(2) }]);
    const rows = await feedbackRows(project, engine, 'churn');
    // In the order predicted (each entry's time is its row index in seconds).
    expect(rows.map((r) => [r.requestId, r.rowIndex, r.prediction, r.label, r.labeledAt])).toEqual([
      ['b', 0, 1, 1, '2026-01-02T00:00:01.000Z'],
      ['a', 1, 1, 1, '2026-01-02T00:00:02.000Z'],
    ]);
    expect(rows[1]).toMatchObject({ model: 'churn', version: '7', entities: { user_id: 'u1' }, features: { amount: 1.5, country: 'NZ' } });
  });

  it('logs rows as answered like the entries made of them: entity keys, the features asked for, each output', async () => {
    const log = new PredictionLog(project, engine);
    const time = new Date(Date.UTC(2026, 0, 3));
    const predicted: PredictedRows = {
      requestId: 'q1',
      time,
      model: 'answered',
      version: '2',
      rows: [
        { user_id: 'u1', amount: 2.5, country: 'NZ', note: 'request field' },
        { user_id: 'u2', amount: 4, country: 'FR', note: 'other' },
      ],
      entityColumns: ['user_id'],
      featureColumns: ['amount', 'country', 'missing'],
      predictions: [1, 0],
      outputs: { label: [1, 0], probability: Float32Array.from([0.75, 0.25]) },
    };
    expect(predictionEntries(predicted)).toEqual([
      {
        requestId: 'q1',
        rowIndex: 0,
        time,
        model: 'answered',
        version: '2',
        entities: { user_id: 'u1' },
        features: { amount: 2.5, country: 'NZ' },
        prediction: 1,
        outputs: { label: 1, probability: 0.75 },
      },
      {
        requestId: 'q1',
        rowIndex: 1,
        time,
        model: 'answered',
        version: '2',
        entities: { user_id: 'u2' },
        features: { amount: 4, country: 'FR' },
        prediction: 0,
        outputs: { label: 0, probability: 0.25 },
      },
    ]);
    // Without feature columns, every column that is not an entity key is a feature.
    const { featureColumns: _named, ...withoutFeatureColumns } = predicted;
    expect(predictionEntries(withoutFeatureColumns)[0]?.features).toEqual({
      amount: 2.5,
      country: 'NZ',
      note: 'request field',
    });
    await log.committed(predicted);
    const table = await DeltaTable.open(project.tablePath(predictionsTable('answered'), { internal: true }), { engine });
    expect(
      await engine.queryJson(`SELECT request_id, entities, features, prediction, outputs FROM (${await (await table.scan()).sql()}) ORDER BY row_index`),
    ).toEqual([
      { request_id: 'q1', entities: '{"user_id":"u1"}', features: '{"amount":2.5,"country":"NZ"}', prediction: '1', outputs: '{"label":1,"probability":0.75}' },
      { request_id: 'q1', entities: '{"user_id":"u2"}', features: '{"amount":4,"country":"FR"}', prediction: '0', outputs: '{"label":0,"probability":0.25}' },
    ]);
    await log.close();
  });

  it('fails the append, not the caller, of a prediction holding a value that cannot be logged, and only that append', async () => {
    const log = new PredictionLog(project, engine);
    // Handed to the log's thread together: the one value that cannot cross fails its own append.
    log.log([entry('odd', 'before', 0, 1)]);
    expect(() => log.log([entry('odd', 'r1', 0, () => 1)])).not.toThrow();
    log.log([entry('odd', 'after', 0, 2)]);
    await expect(log.committed([entry('odd', 'r2', 0, () => 1)])).rejects.toMatchObject({ code: 'MODEL_LOG_FAILED' });
    await log.flush();
    expect(log.failed).toBe(2);
    const table = await DeltaTable.open(project.tablePath(predictionsTable('odd'), { internal: true }), { engine });
    const rows = await engine.queryJson(`SELECT request_id FROM (${await (await table.scan()).sql()}) ORDER BY request_id`);
    expect(rows).toEqual([{ request_id: 'after' }, { request_id: 'before' }]);
    await log.close();
  });

  it('names tables after the model, with characters a table name cannot hold replaced', () => {
    expect(predictionsTable('fraud')).toBe('fraud__predictions');
    expect(modelTableStem('team/fraud model')).toBe('team_fraud_model');
    expect(modelTableStem('_private')).toBe('m_private');
  });
});
