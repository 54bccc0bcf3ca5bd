import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { aggregationView, FeatureStore, LmdbOnlineStore, validateRepository, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let online: LmdbOnlineStore;

const trips = {
  sql: `SELECT * FROM (VALUES
    (1::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 'trip', 30::BIGINT, 2.0::DOUBLE),
    (1::BIGINT, TIMESTAMPTZ '2024-05-01 11:00:00+00', 'trip', 12::BIGINT, 0.0::DOUBLE),
    (1::BIGINT, TIMESTAMPTZ '2024-05-01 11:30:00+00', 'refund', 5::BIGINT, 1.0::DOUBLE),
    (2::BIGINT, TIMESTAMPTZ '2024-05-01 09:00:00+00', 'trip', 9::BIGINT, 3.0::DOUBLE),
    (2::BIGINT, TIMESTAMPTZ '2024-05-01 11:45:00+00', 'trip', 40::BIGINT, 4.0::DOUBLE)
  ) AS t(driver_id, ts, kind, fare, hours)`,
};

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
  ],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-transform-'));
  await DeltaTable.create(project.tablePath('trips'), { engine, data: trips });
  online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
});
afterAll(async () => {
  await online.close();
  engine.close();
});

describe('feature view transformations', () => {
  it('reshape the rows training sets, materialization and aggregation read, the same way for each', async () => {
    await validateRepository(repository, project, engine);
    const store = new FeatureStore(project, engine, repository, online);
    const at = '2024-05-01T12:00:00Z';
    const set = await store.historicalFeatures({
      entityRows: { sql: `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '${at}'), (2::BIGINT, TIMESTAMPTZ '${at}')) AS e(driver_id, event_timestamp)` },
      features: ['driver_rates:fare_per_hour', 'driver_fares:count_3h', 'driver_fares:sum_fare_cents_3h'],
    });
    // Driver 1's newest trip (11:00) has no hours and the 11:30 row is a refund: filtered out of the rate; driver 2's 09:00 trip is outside the 3h window (09:15 on).
    expect((await set.rows()).map((r) => [r['fare_per_hour'], Number(r['count_3h']), Number(r['sum_fare_cents_3h'])])).toEqual([
      [15, 2, 4200],
      [10, 1, 4000],
    ]);
    await store.materialize('2024-05-01T00:00:00Z', at);
    await store.aggregate();
    const served = await store.onlineFeatures({
      features: ['driver_rates:fare_per_hour', 'driver_fares:count_3h', 'driver_fares:sum_fare_cents_3h'],
      entities: { driver_id: [1, 2] },
      at,
    });
    expect(served.results.slice(1).map((r) => r.values)).toEqual([
      [15, 10],
      [2, 1],
      [4200, 4000],
    ]);
  });

  it('are checked against what they give: a missing feature column or SQL that does not run is a definition error', async () => {
    const view = repository.featureViews[0]!;
    const missing: FeatureRepository = { ...repository, featureViews: [{ ...view, features: [{ name: 'fare', type: 'long' }] }] };
    await expect(validateRepository(missing, project, engine)).rejects.toMatchObject({ code: 'FEATURE_DEFINITION_UNKNOWN_COLUMN', value: { column: 'fare' } });
    const broken: FeatureRepository = { ...repository, featureViews: [{ ...view, transformation: 'SELECT nope FROM source' }] };
    await expect(validateRepository(broken, project, engine)).rejects.toMatchObject({ code: 'FEATURE_DEFINITION_TRANSFORMATION_INVALID' });
  });
});
