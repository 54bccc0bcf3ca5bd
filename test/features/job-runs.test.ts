import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { aggregationView, entity, featureView, FeatureStore, LmdbOnlineStore } from '../../src/features/index.js';
import { onJobRun, type JobRunEvent } from '../../src/observe/index.js';
import type { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';

let engine: Engine;
let project: Project;
const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;

const STATS_FIELDS = [
  { name: 'driver_id', type: 'integer' },
  { name: 'event_ts', type: 'timestamp' },
  { name: 'conv_rate', type: 'double' },
  { name: 'trips', type: 'integer' },
];

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await driverStatsProject(
    engine,
    `SELECT driver_id, event_ts, conv_rate::DOUBLE AS conv_rate, trips FROM (VALUES
      (1, TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.1, 10),
      (1, TIMESTAMPTZ '2024-05-01 11:00:00+00', 0.2, 20),
      (2, TIMESTAMPTZ '2024-05-01 08:00:00+00', 0.9, 90)
    ) AS t(driver_id, event_ts, conv_rate, trips)`,
    'aquifer-feature-runs-',
  );
});

afterAll(() => engine.close());

afterEach(() => {
  stop?.();
  stop = undefined;
  events.length = 0;
});

const listen = () => {
  stop = onJobRun((event) => events.push(event));
};
const completed = (name: string) => events.filter((e) => e.state === 'COMPLETE' && e.job.name === name);
const viewDataset = (view: string) => ({ namespace: `aquifer://${project.config.name}`, name: `feature-views/${view}`, kind: 'feature-view' });
/** Each column of a view's values in the online store, from the view's column of that name. */
const fromView = (view: string, columns: readonly string[]) =>
  Object.fromEntries(
    columns.map((c) => [c, [{ namespace: `aquifer://${project.config.name}`, name: `feature-views/${view}`, field: c, type: 'DIRECT', subtype: 'IDENTITY' }]]),
  );

describe('feature job runs', () => {
  it('reports a materialization as a MATERIALIZE run from the table version read, through the view, to the view in the online store', async () => {
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online-materialize'));
    try {
      const view = { ...driverStatsView(), transformation: 'SELECT * FROM source WHERE trips > 0' };
      const store = new FeatureStore(project, engine, { entities: [entity(driverEntity)], featureViews: [featureView(view)] }, online);
      listen();
      await store.materialize('2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z');
      const [run] = completed('features.materialize.driver_stats');
      expect(run?.job).toEqual({ name: 'features.materialize.driver_stats', type: 'MATERIALIZE', project: project.root, sql: view.transformation });
      const table = { namespace: 'file', name: project.tablePath('driver_stats'), kind: 'table', version: '0', fields: STATS_FIELDS };
      expect(run?.inputs).toEqual([table, viewDataset('driver_stats')]);
      expect(run?.outputs).toEqual([
        {
          namespace: `aquifer://${project.config.name}`,
          name: 'online-store/driver_stats',
          kind: 'online-store',
          statistics: { rowCount: 2 },
          columnLineage: fromView('driver_stats', ['driver_id', 'conv_rate', 'trips']),
        },
      ]);
      // The view's own run, inside: the table version in, the view's columns out.
      const [viewRun] = completed('features.view.driver_stats');
      expect(viewRun?.parent?.runId).toBe(run?.runId);
      expect(viewRun?.inputs).toEqual([table]);
      expect(viewRun?.outputs.map((o) => [o.name, o.kind, Object.keys(o.columnLineage ?? {})])).toEqual([
        ['feature-views/driver_stats', 'feature-view', ['driver_id', 'conv_rate', 'trips']],
      ]);
    } finally {
      await online.close();
    }
  });

  it('reports saving a training set as a TRAINING_SET run from the pinned tables and entity rows to the saved table and training set', async () => {
    const store = new FeatureStore(project, engine, { entities: [entity(driverEntity)], featureViews: [featureView(driverStatsView())] });
    const entities = path.join(project.root, 'entities.csv');
    await writeFile(entities, 'driver_id,event_timestamp\n1,2024-05-01T10:30:00Z\n2,2024-05-01T09:00:00Z\n');
    listen();
    const set = await store.historicalFeatures({ entityRows: { files: entities }, features: ['driver_stats:trips'] });
    const location = project.tablePath('driver_training');
    await set.save(location);
    const [run] = completed('features.training_set.driver_training');
    expect(run?.job).toEqual({ name: 'features.training_set.driver_training', type: 'TRAINING_SET', project: project.root });
    expect(run?.inputs).toEqual([
      { namespace: 'file', name: project.tablePath('driver_stats'), kind: 'table', version: '0', fields: STATS_FIELDS },
      { namespace: 'file', name: entities, kind: 'file' },
      viewDataset('driver_stats'),
    ]);
    expect(run?.outputs.map((o) => [o.namespace, o.name, o.kind, o.version])).toEqual([
      ['file', location, 'table', '0'],
      [`aquifer://${project.config.name}`, 'training-sets/driver_training', 'training-set', '0'],
    ]);
    expect(run?.outputs[0]?.statistics?.rowCount).toBe(2);
  });

  it('reports a recreated training set reading its entity rows from the saved set', async () => {
    const store = new FeatureStore(project, engine, { entities: [entity(driverEntity)], featureViews: [featureView(driverStatsView())] });
    const saved = project.tablePath('driver_training');
    listen();
    const recreated = await store.recreateTrainingSet(saved);
    await recreated.save(project.tablePath('driver_training_again'));
    const [run] = completed('features.training_set.driver_training_again');
    expect(run?.inputs.map((i) => [i.kind, i.name, i.version])).toEqual([
      ['table', project.tablePath('driver_stats'), '0'],
      ['table', saved, '0'],
      ['feature-view', 'feature-views/driver_stats', undefined],
    ]);
  });

  it('reports an aggregation that folds in new commits as a STREAMING run, and a poll with nothing new as no run', async () => {
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online-aggregate'));
    try {
      const view = aggregationView({
        name: 'driver_activity',
        entities: ['driver'],
        source: { kind: 'table', table: 'driver_stats', timestampField: 'event_ts' },
        interval: '10m',
        aggregations: [{ function: 'sum', column: 'trips', window: '1h' }],
      });
      const store = new FeatureStore(project, engine, { entities: [entity(driverEntity)], featureViews: [view] }, online);
      listen();
      await store.aggregate();
      await store.aggregate();
      const table = await DeltaTable.open(project.tablePath('driver_stats'), { engine });
      await table.append({ sql: `SELECT 3 AS driver_id, TIMESTAMPTZ '2024-05-01 12:00:00+00' AS event_ts, 0.5::DOUBLE AS conv_rate, 5 AS trips` });
      await store.aggregate();
      const runs = completed('features.aggregate.driver_activity');
      expect(runs.map((r) => [r.job.type, r.job.processing, r.job.project])).toEqual([
        ['AGGREGATE', 'STREAMING', project.root],
        ['AGGREGATE', 'STREAMING', project.root],
      ]);
      const viewInput = ['feature-view', 'feature-views/driver_activity', undefined];
      expect(runs.map((r) => r.inputs.map((i) => [i.kind, i.name, i.version]))).toEqual([
        [['table', project.tablePath('driver_stats'), '0'], viewInput],
        [['table', project.tablePath('driver_stats'), '1'], viewInput],
      ]);
      const columnLineage = fromView('driver_activity', ['driver_id', 'sum_trips_1h']);
      expect(runs.map((r) => r.outputs)).toEqual([
        [
          {
            namespace: `aquifer://${project.config.name}`,
            name: 'online-store/driver_activity',
            kind: 'online-store',
            statistics: { rowCount: 2 },
            columnLineage,
          },
        ],
        [
          {
            namespace: `aquifer://${project.config.name}`,
            name: 'online-store/driver_activity',
            kind: 'online-store',
            statistics: { rowCount: 1 },
            columnLineage,
          },
        ],
      ]);
    } finally {
      await online.close();
    }
  });
});
