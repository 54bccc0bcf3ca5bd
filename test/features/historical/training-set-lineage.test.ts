import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { aggregationView, FeatureStore, onDemandFeatureView, type FeatureRepository } from '../../../src/features/index.js';
import { onJobRun, withJobRun, type ColumnSource, type JobRunEvent } from '../../../src/observe/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let project: Project;
const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;

const repository: FeatureRepository = {
  entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
  featureViews: [
    {
      name: 'driver_rates',
      entities: ['driver'],
      source: { kind: 'table', table: 'trips', timestampField: 'ts' },
      transformation: `SELECT driver_id, ts, fare / hours AS fare_per_hour FROM source WHERE kind = 'trip' AND hours > 0`,
      features: [{ name: 'fare_per_hour', type: 'double' }],
    },
    aggregationView({
      name: 'driver_fares',
      entities: ['driver'],
      source: { kind: 'table', table: 'trips', timestampField: 'ts' },
      transformation: `SELECT driver_id, ts, fare * 100 AS fare_cents FROM source WHERE kind = 'trip'`,
      interval: '15m',
      aggregations: [
        { function: 'count', window: '3h' },
        { function: 'sum', column: 'fare_cents', window: '3h', type: 'long' },
      ],
    }),
    {
      name: 'driver_profile',
      entities: ['driver'],
      source: { kind: 'table', table: 'drivers', timestampField: 'updated' },
      features: [{ name: 'rating', type: 'double' }],
    },
  ],
  onDemandFeatureViews: [
    onDemandFeatureView({
      name: 'doubled',
      sources: ['driver_rates:fare_per_hour'],
      features: [{ name: 'fare_per_hour_x2', type: 'double' }],
      compute: ({ fare_per_hour }) => ({ fare_per_hour_x2: typeof fare_per_hour === 'number' ? fare_per_hour * 2 : null }),
    }),
  ],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-ts-lineage-'));
  await DeltaTable.create(project.tablePath('trips'), {
    engine,
    data: {
      sql: `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 'trip', 30::BIGINT, 2.0::DOUBLE)) AS t(driver_id, ts, kind, fare, hours)`,
    },
  });
  await DeltaTable.create(project.tablePath('drivers'), {
    engine,
    data: { sql: `SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' AS updated, 4.5::DOUBLE AS rating, 'x' AS name` },
  });
});
afterAll(() => engine.close());
afterEach(() => {
  stop?.();
  events.length = 0;
});

const key = (s: ColumnSource) => `${s.name}.${s.field} ${s.type} ${s.subtype ?? ''}`;
const sorted = (sources: readonly ColumnSource[] | undefined) => [...(sources ?? [])].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
const columnsOf = (lineage: Readonly<Record<string, readonly ColumnSource[]>> | undefined) =>
  Object.fromEntries(Object.entries(lineage ?? {}).map(([c, s]) => [c, sorted(s)]));
const at =
  (table: string) =>
  (field: string, type: 'DIRECT' | 'INDIRECT', subtype: string): ColumnSource => ({
    namespace: 'file',
    name: project.tablePath(table),
    field,
    type,
    subtype,
  });

const request = {
  entityRows: { sql: `SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 12:00:00+00' AS event_timestamp` },
  features: ['driver_rates:fare_per_hour', 'driver_fares:count_3h', 'driver_fares:sum_fare_cents_3h', 'driver_profile:rating', 'doubled:fare_per_hour_x2'],
};

function expectedLineage() {
  const trips = at('trips');
  const drivers = at('drivers');
  const view =
    (name: string) =>
    (field: string, subtype = 'IDENTITY'): ColumnSource => ({
      namespace: `aquifer://${project.config.name}`,
      name: `feature-views/${name}`,
      field,
      type: 'DIRECT',
      subtype,
    });
  return {
    columns: {
      fare_per_hour: [view('driver_rates')('fare_per_hour')],
      count_3h: [view('driver_fares')('count_3h')],
      sum_fare_cents_3h: [view('driver_fares')('sum_fare_cents_3h')],
      rating: [view('driver_profile')('rating')],
      fare_per_hour_x2: [view('driver_rates')('fare_per_hour', 'TRANSFORMATION')],
    },
    views: {
      driver_rates: {
        driver_id: [trips('driver_id', 'DIRECT', 'IDENTITY')],
        fare_per_hour: sorted([trips('fare', 'DIRECT', 'TRANSFORMATION'), trips('hours', 'DIRECT', 'TRANSFORMATION')]),
      },
      driver_fares: { driver_id: [trips('driver_id', 'DIRECT', 'IDENTITY')], sum_fare_cents_3h: [trips('fare', 'DIRECT', 'AGGREGATION')] },
      driver_profile: { driver_id: [drivers('driver_id', 'DIRECT', 'IDENTITY')], rating: [drivers('rating', 'DIRECT', 'IDENTITY')] },
    } as Record<string, Record<string, ColumnSource[]>>,
    dataset: sorted([
      trips('kind', 'INDIRECT', 'FILTER'),
      trips('hours', 'INDIRECT', 'FILTER'),
      trips('driver_id', 'INDIRECT', 'JOIN'),
      trips('ts', 'INDIRECT', 'JOIN'),
      drivers('driver_id', 'INDIRECT', 'JOIN'),
      drivers('updated', 'INDIRECT', 'JOIN'),
    ]),
  };
}

describe('training set column lineage', () => {
  it('reports, when a training set is saved, each feature column fed by its feature view column, and the join keys and event times as JOIN', async () => {
    const store = new FeatureStore(project, engine, repository);
    stop = onJobRun((event) => events.push(event));
    const set = await store.historicalFeatures(request);
    const location = project.tablePath('training_v1');
    await set.save(location);
    const saveRun = events.find((e) => e.state === 'COMPLETE' && e.job.name === 'features.training_set.training_v1');
    expect(saveRun?.job.type).toBe('TRAINING_SET');
    const logical = saveRun?.outputs.find((o) => o.name === 'training-sets/training_v1');
    expect(logical).toMatchObject({ namespace: `aquifer://${project.config.name}`, kind: 'training-set', version: '0' });
    const want = expectedLineage();
    expect(columnsOf(logical?.columnLineage)).toEqual(want.columns);
    expect(sorted(logical?.datasetLineage)).toEqual(want.dataset);
    const table = saveRun?.outputs.find((o) => o.name === location);
    expect(table).toMatchObject({ kind: 'table', version: '0' });
    expect(columnsOf(table?.columnLineage)).toEqual(want.columns);
    expect(saveRun?.inputs.map((i) => `${i.name}@${i.version ?? ''}`).sort()).toEqual(
      [
        'feature-views/driver_fares@',
        'feature-views/driver_profile@',
        'feature-views/driver_rates@',
        `${project.tablePath('drivers')}@0`,
        `${project.tablePath('trips')}@0`,
      ].sort(),
    );
  });

  it("records each view's run inside the save: its table version in, its columns fed by the table's columns", async () => {
    const store = new FeatureStore(project, engine, repository);
    stop = onJobRun((event) => events.push(event));
    await (await store.historicalFeatures(request)).save(project.tablePath('training_views'));
    const saveRun = events.find((e) => e.state === 'COMPLETE' && e.job.name === 'features.training_set.training_views');
    const want = expectedLineage();
    for (const view of ['driver_rates', 'driver_fares', 'driver_profile']) {
      const run = events.find((e) => e.state === 'COMPLETE' && e.job.name === `features.view.${view}`);
      expect(run?.parent?.runId).toBe(saveRun?.runId);
      expect(run?.job.type).toBe('TRANSFORMATION');
      expect(run?.inputs.map((i) => [i.name, i.version])).toEqual([[project.tablePath(view === 'driver_profile' ? 'drivers' : 'trips'), '0']]);
      const output = run?.outputs[0];
      expect(output).toMatchObject({ namespace: `aquifer://${project.config.name}`, name: `feature-views/${view}`, kind: 'feature-view' });
      expect(columnsOf(output?.columnLineage)).toEqual(want.views[view]);
    }
  });

  it('reports nothing for a set only built, and inside another run saves it as a run of its own with that run as its parent', async () => {
    const store = new FeatureStore(project, engine, repository);
    stop = onJobRun((event) => events.push(event));
    const set = await store.historicalFeatures(request);
    expect(events).toEqual([]);
    await withJobRun({ name: 'train.model', type: 'TRAIN' }, () => set.save(project.tablePath('training_in_run')));
    const saved = events.find((e) => e.state === 'COMPLETE' && e.job.name === 'features.training_set.training_in_run');
    expect(saved?.parent?.job.name).toBe('train.model');
    expect(sorted(saved?.outputs.find((o) => o.name === 'training-sets/training_in_run')?.datasetLineage)).toEqual(expectedLineage().dataset);
  });
});
