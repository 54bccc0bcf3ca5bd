import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions, trainingSetDefinition } from '../../../src/features/index.js';
import {
  openModelStore,
  PredictionLog,
  reproduce,
  saveFeedbackTrainingSet,
  train,
  TRAINING_TAGS,
  type ModelStore,
  type PredictionEntry,
} from '../../../src/models/index.js';
import type { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../../support/driver-stats.js';

const ROWS_SQL = `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts,
    ((driver_id * 37) % 100) / 100.0 AS conv_rate, ((driver_id * 11) % 30)::BIGINT AS trips
  FROM range(1001, 1011) t(driver_id)`;

/** What the server logs for one request: the driver's key, the features it read, the answer. */
const served = (requestId: string, driver: number, at: number): PredictionEntry => ({
  requestId,
  rowIndex: 0,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, at)),
  model: 'driver_model',
  version: '1',
  entities: { driver_id: driver },
  features: { conv_rate: ((driver * 37) % 100) / 100, trips: (driver * 11) % 30 },
  prediction: driver % 2,
  outputs: { label: driver % 2 },
});

describe('a training set from what a model served and the labels fed back', () => {
  let engine: Engine;
  let project: Project;
  let store: ModelStore;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    project = await driverStatsProject(engine, ROWS_SQL, 'aquifer-feedback-set-');
    await writeFile(project.featuresPath, JSON.stringify({ entities: [driverEntity], featureViews: [driverStatsView()] }));
    await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
    const features = await openAppliedFeatureStore(project, engine);
    const set = await features.historicalFeatures({
      entityRows: { sql: `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp FROM range(1001, 1011) t(driver_id)` },
      features: ['driver_stats:conv_rate', 'driver_stats:trips'],
    });
    await set.save(project.tablePath('driver_training'));
    store = await openModelStore(project);
    // A version as serving knows it: trained on driver_training (its file is never loaded here).
    await store.createRegisteredModel('driver_model');
    await store.createModelVersion({ name: 'driver_model', source: 'models:/none', tags: [{ key: TRAINING_TAGS.trainingSet, value: 'driver_training' }] });
    const log = new PredictionLog(project, engine);
    for (let i = 0; i < 6; i++) log.log([served(`r${i}`, 1001 + i, i)]);
    await log.flush();
    // Labels for four of the six; r1's label is corrected later, the latest one counts.
    const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 0, 0, s));
    await log.feedback('driver_model', 'f1', [
      { requestId: 'r0', rowIndex: 0, label: 1, time: at(1) },
      { requestId: 'r1', rowIndex: 0, label: 0, time: at(1) },
      { requestId: 'r3', rowIndex: 0, label: 1, time: at(1) },
      { requestId: 'r5', rowIndex: 0, label: 0, time: at(1) },
    ]);
    await log.feedback('driver_model', 'f2', [{ requestId: 'r1', rowIndex: 0, label: 1, time: at(2) }]);
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    engine?.close();
  });

  it('holds each labelled prediction once, with the served features typed as the original training set and the latest label', async () => {
    const saved = await saveFeedbackTrainingSet(project, engine, store, { model: 'driver_model', name: 'driver_feedback' });
    expect(saved).toMatchObject({ name: 'driver_feedback', rows: 4, origin: { kind: 'feedback', modelVersion: '1' } });
    const table = await DeltaTable.open(project.tablePath('driver_feedback'), { engine });
    const schema = (await table.snapshot()).schema.fields.map((f) => [f.name, f.type]);
    expect(schema).toEqual([
      ['request_id', { kind: 'primitive', name: 'string' }],
      ['row_index', { kind: 'primitive', name: 'long' }],
      ['model_version', { kind: 'primitive', name: 'string' }],
      ['predicted_at', { kind: 'primitive', name: 'timestamp' }],
      ['driver_id', { kind: 'primitive', name: 'long' }],
      ['conv_rate', { kind: 'primitive', name: 'double' }],
      ['trips', { kind: 'primitive', name: 'long' }],
      ['label', { kind: 'primitive', name: 'long' }],
    ]);
    const rows = await engine.queryJson(
      `SELECT request_id, driver_id::INTEGER AS driver_id, conv_rate, trips::INTEGER AS trips, label::INTEGER AS label FROM (${await (await table.scan()).sql()})`,
    );
    expect(rows).toEqual([
      { request_id: 'r0', driver_id: 1001, conv_rate: 0.37, trips: 1, label: 1 },
      { request_id: 'r1', driver_id: 1002, conv_rate: 0.74, trips: 12, label: 1 },
      { request_id: 'r3', driver_id: 1004, conv_rate: 0.48, trips: 4, label: 1 },
      { request_id: 'r5', driver_id: 1006, conv_rate: 0.22, trips: 26, label: 0 },
    ]);
    // It keeps the original's feature definitions, so a model trained on it is served the same features.
    const definition = await trainingSetDefinition(table);
    expect(definition.features).toEqual(['driver_stats:conv_rate', 'driver_stats:trips']);
    expect(definition.featureColumns).toEqual(['conv_rate', 'trips']);
  });

  it('trains the next version, which reproduces identically after more predictions and labels arrive', async () => {
    await saveFeedbackTrainingSet(project, engine, store, { model: 'driver_model', name: 'driver_feedback', overwrite: true });
    const trained = await train(project, engine, store, {
      model: 'driver_model_next',
      trainingSet: 'driver_feedback',
      label: 'label',
      command: [process.execPath, '-e', "require('fs').writeFileSync(require('path').join(process.env.AQUIFER_MODEL_DIR, 'model.txt'), 'weights')"],
    });
    expect(trained.exitCode).toBe(0);
    const log = new PredictionLog(project, engine);
    log.log([served('r6', 1007, 6)]);
    await log.flush();
    await log.feedback('driver_model', 'f3', [
      { requestId: 'r6', rowIndex: 0, label: 1, time: new Date() },
      { requestId: 'r2', rowIndex: 0, label: 0, time: new Date() },
    ]);
    const reproduction = await reproduce(project, engine, store, 'driver_model_next', 1);
    expect(reproduction.identical).toBe(true);
    expect(reproduction.actual.rows).toBe(4);
    // A new feedback set sees the new labels.
    expect((await saveFeedbackTrainingSet(project, engine, store, { model: 'driver_model', name: 'driver_feedback_2' })).rows).toBe(6);
  });

  it('names what is missing when the model has served nothing yet', async () => {
    await store.createRegisteredModel('idle_model');
    await store.createModelVersion({ name: 'idle_model', source: 'models:/none', tags: [{ key: TRAINING_TAGS.trainingSet, value: 'driver_training' }] });
    await expect(saveFeedbackTrainingSet(project, engine, store, { model: 'idle_model', name: 'idle_feedback' })).rejects.toMatchObject({
      code: 'MODEL_FEEDBACK_NOT_FOUND',
    });
  });
});
