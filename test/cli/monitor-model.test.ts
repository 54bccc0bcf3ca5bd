import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions } from '../../src/features/index.js';
import { openModelStore, PredictionLog, train, type PredictionEntry } from '../../src/models/index.js';
import type { ModelDriftReport, QualityRow } from '../../src/monitor/index.js';
import type { Project } from '../../src/project/index.js';
import { runCli } from '../support/cli.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';

/**
 * `aquifer monitor drift --model` and `aquifer monitor model-quality` (the built CLI) on a
 * project whose model version was trained on a saved training set and served a day of
 * predictions with one feature shifted, half of them labeled.
 */
const DRIVERS = Array.from({ length: 100 }, (_, i) => 1001 + i);
const ROWS_SQL = `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts,
    ((driver_id * 37) % 100) / 100.0 AS conv_rate, ((driver_id * 11) % 30)::BIGINT AS trips
  FROM range(1001, 1101) t(driver_id)`;

let engine: Engine;
let project: Project;

const served = (driver: number): PredictionEntry => ({
  requestId: `r${driver}`,
  rowIndex: 0,
  time: new Date(Date.UTC(2026, 4, 1, 12)),
  model: 'driver_model',
  version: '1',
  entities: { driver_id: driver },
  features: { conv_rate: ((driver * 37) % 100) / 100 + 0.5, trips: (driver * 11) % 30 },
  prediction: driver % 3 === 0 ? 1 : 0,
  outputs: { label: driver % 3 === 0 ? 1 : 0 },
});

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await driverStatsProject(engine, ROWS_SQL, 'aquifer-cli-monitor-model-');
  await writeFile(project.featuresPath, JSON.stringify({ entities: [driverEntity], featureViews: [driverStatsView()] }));
  await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
  const set = await (
    await openAppliedFeatureStore(project, engine)
  ).historicalFeatures({
    entityRows: {
      sql: `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp, (driver_id % 3 = 0)::INTEGER AS label
        FROM range(1001, 1101) t(driver_id)`,
    },
    features: ['driver_stats:conv_rate', 'driver_stats:trips'],
  });
  await set.save(project.tablePath('driver_training'));
  const store = await openModelStore(project);
  await train(project, engine, store, {
    model: 'driver_model',
    trainingSet: 'driver_training',
    label: 'label',
    command: [process.execPath, '-e', "require('fs').writeFileSync(require('path').join(process.env.AQUIFER_MODEL_DIR, 'model.txt'), 'weights')"],
  });
  await store.setAlias('driver_model', 'champion', 1);
  await store.close();
  const log = new PredictionLog(project, engine);
  log.log(DRIVERS.map(served));
  await log.flush();
  // Labels for the first 50 drivers: the truth is driver % 2, so the model is right where both rules agree.
  await log.feedback(
    'driver_model',
    'labels',
    DRIVERS.slice(0, 50).map((d) => ({ requestId: `r${d}`, rowIndex: 0, label: d % 2, time: new Date(Date.UTC(2026, 4, 2)) })),
  );
}, 120_000);

afterAll(() => engine?.close());

const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: project.root });

describe('aquifer monitor for a model in production', () => {
  it('reports drift of a version by alias against its training set as JSON and HTML, exiting 1 on dataset drift', async () => {
    const html = path.join(project.root, 'model-drift.html');
    const result = await cli(
      'monitor',
      'drift',
      '--model',
      'driver_model@champion',
      '--since',
      '2026-05-01',
      '--until',
      '2026-05-02',
      '--report',
      html,
      '--format',
      'json',
    );
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as ModelDriftReport;
    expect(report.model).toMatchObject({ name: 'driver_model', version: '1', task: 'classification', label: 'label' });
    expect(report.columns.map((c) => [c.column, c.drifted])).toEqual([
      ['conv_rate', true],
      ['trips', false],
      ['prediction', false],
    ]);
    // One of three columns drifted: below the default drift share of 0.5.
    expect(result.code).toBe(0);
    expect(await readFile(html, 'utf8')).toContain('conv_rate');
    const text = await cli('monitor', 'drift', '--model', 'driver_model', '--drift-share', '0.3');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/training set driver_training@0/);
    expect(text.stdout).toMatch(/predictions of driver_model version 1/);
  });

  it('refuses --model with --reference, and names a window with no predictions', async () => {
    expect((await cli('monitor', 'drift', '--model', 'driver_model', '--reference', 'driver_training')).code).toBe(2);
    const empty = await cli('monitor', 'drift', '--model', 'driver_model', '--since', '2027-01-01', '--format', 'json');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('MONITOR_MODEL_NO_PREDICTIONS');
  });

  it('prints quality per day as a table and as a JSON array', async () => {
    const json = await cli('monitor', 'model-quality', 'driver_model', '--window', 'day', '--format', 'json');
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as QualityRow[];
    // Drivers 1001..1050: predicted d % 3 == 0, labeled d % 2, counted here independently.
    const labeled = DRIVERS.slice(0, 50).map((d) => ({ p: d % 3 === 0 ? 1 : 0, y: d % 2 }));
    const tp = labeled.filter((r) => r.p === 1 && r.y === 1).length;
    const fp = labeled.filter((r) => r.p === 1 && r.y === 0).length;
    const fn = labeled.filter((r) => r.p === 0 && r.y === 1).length;
    const accuracy = labeled.filter((r) => r.p === r.y).length / 50;
    expect(rows).toEqual([
      {
        window_start: '2026-05-01T00:00:00Z',
        version: '1',
        count: 50,
        accuracy: expect.closeTo(accuracy, 12),
        precision: expect.closeTo(tp / (tp + fp), 12),
        recall: expect.closeTo(tp / (tp + fn), 12),
        f1: expect.closeTo((2 * tp) / (2 * tp + fp + fn), 12),
      },
    ]);
    const text = await cli('monitor', 'model-quality', 'driver_model@1');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('classification, positive class 1, per day');
    expect(text.stdout).toContain('2026-05-01T00:00:00Z');
  });
});
