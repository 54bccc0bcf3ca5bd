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
  return {
    columns: {
      fare_per_hour: sorted([trips('fare', 'DIRECT', 'TRANSFORMATION'), trips('hours', 'DIRECT', 'TRANSFORMATION')]),
      sum_fare_cents_3h: [trips('fare', 'DIRECT', 'AGGREGATION')],
      rating: [drivers('rating', 'DIRECT', 'IDENTITY')],
      fare_per_hour_x2: sorted([trips('fare', 'DIRECT', 'TRANSFORMATION'), trips('hours', 'DIRECT', 'TRANSFORMATION')]),
    },
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
  it('reports, when a training set is saved, each feature column fed by the table columns behind it, and the join keys and event times as JOIN', async () => {
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
    expect(saveRun?.inputs.map((i) => [i.name, i.version]).sort()).toEqual([
      [project.tablePath('drivers'), '0'],
      [project.tablePath('trips'), '0'],
    ]);
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
