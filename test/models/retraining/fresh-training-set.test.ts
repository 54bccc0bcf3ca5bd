import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions, trainingSetDefinition } from '../../../src/features/index.js';
import {
  feedbackOriginOf,
  freshTrainingSetName,
  openModelStore,
  PredictionLog,
  saveFeedbackTrainingSet,
  saveFreshTrainingSet,
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

const served = (requestId: string, driver: number): PredictionEntry => ({
  requestId,
  rowIndex: 0,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, driver - 1000)),
  model: 'driver_model',
  version: '1',
  entities: { driver_id: driver },
  features: { conv_rate: ((driver * 37) % 100) / 100, trips: (driver * 11) % 30 },
  prediction: driver % 2,
  outputs: { label: driver % 2 },
});

describe('a fresh training set for retraining', () => {
  let engine: Engine;
  let project: Project;
  let store: ModelStore;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    project = await driverStatsProject(engine, ROWS_SQL, 'aquifer-fresh-set-');
    await writeFile(project.featuresPath, JSON.stringify({ entities: [driverEntity], featureViews: [driverStatsView()] }));
    await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
    const features = await openAppliedFeatureStore(project, engine);
    const set = await features.historicalFeatures({
      entityRows: { sql: `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp FROM range(1001, 1011) t(driver_id)` },
      features: ['driver_stats:conv_rate', 'driver_stats:trips'],
    });
    await set.save(project.tablePath('driver_training'));
    store = await openModelStore(project);
    await store.createRegisteredModel('driver_model');
    await store.createModelVersion({ name: 'driver_model', source: 'models:/none', tags: [{ key: TRAINING_TAGS.trainingSet, value: 'driver_training' }] });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    engine?.close();
  });

  it('is named after the set it refreshes and the time, keeping the first stem when refreshed again', () => {
    const first = freshTrainingSetName('churn_train', new Date('2026-12-07T06:05:09.042Z'));
    expect(first).toBe('churn_train-retrain-20261207-060509-042');
    expect(freshTrainingSetName(first, new Date('2026-12-08T00:00:00.000Z'))).toBe('churn_train-retrain-20261208-000000-000');
  });

  it('joins the same entity rows to the feature tables at their latest versions', async () => {
    const stats = await DeltaTable.open(project.tablePath('driver_stats'), { engine, stores: project.stores });
    // Corrected values, from before the entity rows' time: the saved set pinned version 0 and never sees them.
    await stats.append({
      sql: `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-20 00:00:00+00' AS event_ts, 0.5 AS conv_rate, 7::BIGINT AS trips FROM range(1001, 1011) t(driver_id)`,
    });
    const fresh = await saveFreshTrainingSet(project, engine, store, 'driver_training', 'driver_training-retrain-1');
    expect(fresh).toMatchObject({ name: 'driver_training-retrain-1', version: 0, rows: 10, from: 'driver_training' });
    const table = await DeltaTable.open(project.tablePath(fresh.name), { engine, stores: project.stores });
    const definition = await trainingSetDefinition(table);
    expect(definition.sources).toEqual([{ view: 'driver_stats', table: 'driver_stats', version: 1 }]);
    expect(definition.features).toEqual(['driver_stats:conv_rate', 'driver_stats:trips']);
    const rows = await engine.queryJson(`SELECT DISTINCT conv_rate, trips::INTEGER AS trips FROM (${await (await table.scan()).sql()})`);
    expect(rows).toEqual([{ conv_rate: 0.5, trips: 7 }]);
  });

  it('rebuilds a feedback training set from the prediction log and labels at their latest versions', async () => {
    const log = new PredictionLog(project, engine);
    log.log([served('r0', 1001), served('r1', 1002)]);
    await log.flush();
    await log.feedback('driver_model', 'f1', [{ requestId: 'r0', rowIndex: 0, label: 1, time: new Date(Date.UTC(2026, 0, 2)) }]);
    const saved = await saveFeedbackTrainingSet(project, engine, store, { model: 'driver_model', name: 'driver_feedback' });
    expect(saved.rows).toBe(1);
    log.log([served('r2', 1003)]);
    await log.flush();
    await log.feedback('driver_model', 'f2', [
      { requestId: 'r1', rowIndex: 0, label: 0, time: new Date(Date.UTC(2026, 0, 3)) },
      { requestId: 'r2', rowIndex: 0, label: 1, time: new Date(Date.UTC(2026, 0, 3)) },
    ]);
    const fresh = await saveFreshTrainingSet(project, engine, store, 'driver_feedback', 'driver_feedback-retrain-1');
    expect(fresh.rows).toBe(3);
    const definition = await trainingSetDefinition(await DeltaTable.open(project.tablePath(fresh.name), { engine, stores: project.stores }));
    const origin = feedbackOriginOf(definition);
    expect(origin?.modelVersion).toBe(saved.origin.modelVersion);
    expect(origin?.predictions.version).toBeGreaterThan(saved.origin.predictions.version);
    expect(origin?.feedback.version).toBeGreaterThan(saved.origin.feedback.version);
  });
});
