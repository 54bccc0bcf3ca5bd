import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions } from '../../../src/features/index.js';
import { openModelStore, PredictionLog, train, type ModelStore, type PredictionEntry } from '../../../src/models/index.js';
import { modelDriftReport } from '../../../src/monitor/index.js';
import type { Project } from '../../../src/project/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../../support/driver-stats.js';

const DRIVERS = Array.from({ length: 200 }, (_, i) => 1001 + i);
const convRate = (driver: number) => ((driver * 37) % 100) / 100;
const trips = (driver: number) => (driver * 11) % 30;
const label = (driver: number) => (driver % 3 === 0 ? 1 : 0);

const ROWS_SQL = `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts,
    ((driver_id * 37) % 100) / 100.0 AS conv_rate, ((driver_id * 11) % 30)::BIGINT AS trips
  FROM range(1001, 1201) t(driver_id)`;

/** A command that trains nothing: the version it registers is what the drift report reads (its training set and label), not its weights. */
const TRAIN_COMMAND = [process.execPath, '-e', "require('fs').writeFileSync(require('path').join(process.env.AQUIFER_MODEL_DIR, 'model.txt'), 'weights')"];

/** A row as the server logs it for a registered version: the driver's key, the features it was served, the predicted class. */
const served = (version: string, driver: number, day: number, features: Record<string, unknown>, prediction: unknown): PredictionEntry => ({
  requestId: `v${version}-d${day}-${driver}`,
  rowIndex: 0,
  time: new Date(Date.UTC(2026, 4, day, 12, 0, driver % 60)),
  model: 'driver_model',
  version,
  entities: { driver_id: driver },
  features,
  prediction,
  outputs: { label: prediction, probabilities: [0.5, 0.5] },
});

describe("a model version's drift: its training set against its prediction log", () => {
  let engine: Engine;
  let project: Project;
  let store: ModelStore;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    project = await driverStatsProject(engine, ROWS_SQL, 'aquifer-model-drift-');
    await writeFile(project.featuresPath, JSON.stringify({ entities: [driverEntity], featureViews: [driverStatsView()] }));
    await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
    const features = await openAppliedFeatureStore(project, engine);
    const set = await features.historicalFeatures({
      entityRows: {
        sql: `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp, (driver_id % 3 = 0)::INTEGER AS label
          FROM range(1001, 1201) t(driver_id)`,
      },
      features: ['driver_stats:conv_rate', 'driver_stats:trips'],
    });
    await set.save(project.tablePath('driver_training'));
    store = await openModelStore(project);
    for (let i = 0; i < 2; i++) {
      const trained = await train(project, engine, store, { model: 'driver_model', trainingSet: 'driver_training', label: 'label', command: TRAIN_COMMAND });
      expect(trained.version?.version).toBe(i + 1);
    }
    await store.setAlias('driver_model', 'champion', 1);
    // Version 1 on day 1: every driver's conversion rate moved up by 0.5, trips as trained, predictions as the labels.
    // Day 2: served exactly what it learned from. Version 2: the same features, but it predicts 1 for everyone.
    const log = new PredictionLog(project, engine);
    log.log(DRIVERS.map((d) => served('1', d, 1, { conv_rate: convRate(d) + 0.5, trips: trips(d) }, label(d))));
    log.log(DRIVERS.map((d) => served('1', d, 2, { conv_rate: convRate(d), trips: trips(d) }, label(d))));
    log.log(DRIVERS.map((d) => served('2', d, 1, { conv_rate: convRate(d), trips: trips(d) }, 1)));
    await log.flush();
    expect(log.failed).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    engine?.close();
  });

  const day = (d: number) => new Date(Date.UTC(2026, 4, d));

  it('detects drift on the shifted feature only, with the training label against the predicted class', async () => {
    const report = await modelDriftReport(project, engine, { model: 'driver_model', version: 'champion', since: day(1), until: day(2), store });
    expect(report.model).toEqual({
      name: 'driver_model',
      version: '1',
      task: 'classification',
      trainingSet: { name: 'driver_training', version: 0 },
      label: 'label',
      since: '2026-05-01T00:00:00.000Z',
      until: '2026-05-02T00:00:00.000Z',
    });
    expect(report.reference.rows).toBe(200);
    expect(report.current.rows).toBe(200);
    expect(report.columns.map((c) => [c.column, c.type, c.drifted])).toEqual([
      ['conv_rate', 'numeric', true],
      ['trips', 'numeric', false],
      ['prediction', 'categorical', false],
    ]);
    expect(report.columns.find((c) => c.column === 'conv_rate')?.method).toBe('K-S p_value');
    expect(report.columns.find((c) => c.column === 'prediction')?.method).toBe('Z-test p_value'); // Evidently's choice for two categories
    expect(report.dataset.drifted_count).toBe(1);
  });

  it('finds nothing drifted in a window where the version was served what it learned from', async () => {
    const report = await modelDriftReport(project, engine, { model: 'driver_model', version: 1, since: '2026-05-02', store });
    expect(report.columns.filter((c) => c.drifted)).toEqual([]);
    // Identical samples: the K-S and Z-test p-values are 1.
    expect(report.columns.map((c) => c.value)).toEqual([1, 1, 1]);
  });

  it('detects prediction drift alone when the features are as trained but the predictions are not', async () => {
    const report = await modelDriftReport(project, engine, { model: 'driver_model', store });
    expect(report.model.version).toBe('2');
    expect(report.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['prediction']);
  });

  it('tests only the columns asked for', async () => {
    const report = await modelDriftReport(project, engine, { model: 'driver_model', version: '1', columns: ['trips'], store });
    expect(report.columns.map((c) => c.column)).toEqual(['trips']);
  });

  it('is a typed error for a version with no predictions in the window, or without a training set', async () => {
    await expect(modelDriftReport(project, engine, { model: 'driver_model', version: '1', since: '2026-06-01', store })).rejects.toMatchObject({
      code: 'MONITOR_MODEL_NO_PREDICTIONS',
    });
    await store.createModelVersion({ name: 'driver_model', source: 'models:/none' });
    await expect(modelDriftReport(project, engine, { model: 'driver_model', version: '3', store })).rejects.toMatchObject({
      code: 'MONITOR_MODEL_NO_TRAINING_SET',
    });
  });
});
