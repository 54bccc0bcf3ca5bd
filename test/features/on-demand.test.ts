import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import {
  FeatureRegistry,
  FeatureStore,
  LmdbOnlineStore,
  onDemandFeatureView,
  openAppliedFeatureStore,
  type FeatureRepository,
} from '../../src/features/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';

let engine: Engine;
let store: FeatureStore;
let online: LmdbOnlineStore;

const fareAdjusted = onDemandFeatureView({
  name: 'fare_adjusted',
  sources: ['driver_stats:conv_rate', 'driver_stats:trips'],
  requestFields: [{ name: 'fare', type: 'double' }],
  features: [
    { name: 'adjusted_fare', type: 'double' },
    { name: 'tier', type: 'string' },
  ],
  compute: ({ conv_rate, trips, fare }) => {
    const rate = typeof conv_rate === 'number' ? conv_rate : 0;
    const count = Number(trips ?? 0);
    return { adjusted_fare: Math.round(Number(fare) * (1 + rate) * 100) / 100, tier: count >= 20 ? 'gold' : 'basic' };
  },
});

const repository: FeatureRepository = { entities: [driverEntity], featureViews: [driverStatsView()], onDemandFeatureViews: [fareAdjusted] };

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const project = await driverStatsProject(
    engine,
    `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.5::DOUBLE, 25::BIGINT), (2::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.1::DOUBLE, 3::BIGINT)) AS t(driver_id, event_ts, conv_rate, trips)`,
    'aquifer-on-demand-',
  );
  online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
  store = new FeatureStore(project, engine, repository, online);
  await store.materialize(0, '2030-01-01T00:00:00Z');
});

afterAll(async () => {
  await online.close();
  engine.close();
});

describe('on-demand features', () => {
  it('runs the same function in a training set (inside DuckDB) and online, with the same results', async () => {
    const set = await store.historicalFeatures({
      entityRows: {
        sql: `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-02 00:00:00+00', 10.0::DOUBLE), (2::BIGINT, TIMESTAMPTZ '2024-05-02 00:00:00+00', 20.0::DOUBLE)) AS t(driver_id, event_timestamp, fare)`,
      },
      features: ['driver_stats:trips', 'fare_adjusted:adjusted_fare', 'fare_adjusted:tier'],
    });
    expect(set.definition.featureColumns).toEqual(['trips', 'adjusted_fare', 'tier']);
    const offline = await set.rows();
    expect(offline.map((r) => [r['driver_id'], r['trips'], r['adjusted_fare'], r['tier']])).toEqual([
      [1, 25, 15, 'gold'],
      [2, 3, 22, 'basic'],
    ]);
    const response = await store.onlineFeatures({
      features: ['driver_stats:trips', 'fare_adjusted:adjusted_fare', 'fare_adjusted:tier'],
      entities: { driver_id: [1, 2], fare: [10, 20] },
    });
    expect(response.metadata.feature_names).toEqual(['driver_id', 'trips', 'adjusted_fare', 'tier']);
    expect(response.results.slice(1).map((c) => c.values)).toEqual([
      [25, 3],
      [15, 22],
      ['gold', 'basic'],
    ]);
  });

  it('wraps what the function throws in a typed error that keeps the cause', async () => {
    const failing = new FeatureStore(
      store.project,
      engine,
      {
        ...repository,
        onDemandFeatureViews: [
          {
            ...fareAdjusted,
            name: 'broken',
            compute: () => {
              throw new Error('boom');
            },
          },
        ],
      },
      online,
    );
    await expect(failing.onlineFeatures({ features: ['broken:tier'], entities: { driver_id: [1], fare: [1] } })).rejects.toMatchObject({
      code: 'FEATURE_FUNCTION_FAILED',
    });
  });

  it('refuses on-demand views that read unknown features, shadow a source, or read each other in a cycle', () => {
    const make = (views: NonNullable<FeatureRepository['onDemandFeatureViews']>) => () =>
      new FeatureStore(store.project, engine, { ...repository, onDemandFeatureViews: views }, online);
    expect(make([{ ...fareAdjusted, sources: ['driver_stats:nope'] }])).toThrow(expect.objectContaining({ code: 'FEATURE_DEFINITION_UNKNOWN_FEATURE' }));
    expect(make([{ ...fareAdjusted, requestFields: [{ name: 'trips', type: 'long' }] }])).toThrow(
      expect.objectContaining({ code: 'FEATURE_DEFINITION_NAME_CONFLICT' }),
    );
    const a = { ...fareAdjusted, name: 'a', sources: ['b:tier'] };
    const b = { ...fareAdjusted, name: 'b', sources: ['c:tier'] };
    const c = { ...fareAdjusted, name: 'c', sources: ['a:tier'] };
    expect(make([a, b, c])).toThrow(expect.objectContaining({ code: 'FEATURE_DEFINITION_CYCLE' }));
    expect(make([a, { ...b, sources: ['driver_stats:trips'] }])).toThrow(
      expect.objectContaining({ code: 'FEATURE_DEFINITION_CYCLE', value: { view: 'a', source: 'b:tier' } }),
    );
  });

  describe('opened from applied definitions, which keep no functions', () => {
    const request = { features: ['driver_stats:trips', 'fare_adjusted:tier'], entities: { driver_id: [1, 2], fare: [10, 20] } };
    const entityRows = {
      sql: `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-02 00:00:00+00', 10.0::DOUBLE)) AS t(driver_id, event_timestamp, fare)`,
    };

    beforeAll(async () => {
      await new FeatureRegistry(store.project).apply(repository, engine);
    });

    it('refuses lookups and training sets of the on-demand view with FEATURE_FUNCTION_NOT_REGISTERED, and still serves stored features', async () => {
      const applied = await openAppliedFeatureStore(store.project, engine, online);
      const notRegistered = { code: 'FEATURE_FUNCTION_NOT_REGISTERED', value: 'fare_adjusted' };
      await expect(applied.onlineFeatures(request)).rejects.toMatchObject(notRegistered);
      await expect(applied.historicalFeatures({ entityRows, features: ['fare_adjusted:*'] })).rejects.toMatchObject(notRegistered);
      expect((await applied.onlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: [1] } })).results[1]?.values).toEqual([25]);
    });

    it('computes the view again once its function is supplied', async () => {
      const applied = await openAppliedFeatureStore(store.project, engine, online, { functions: { fare_adjusted: fareAdjusted.compute } });
      expect((await applied.onlineFeatures(request)).results.slice(1).map((c) => c.values)).toEqual([
        [25, 3],
        ['gold', 'basic'],
      ]);
      const set = await applied.historicalFeatures({ entityRows, features: ['fare_adjusted:*'] });
      expect((await set.rows()).map((r) => [r['adjusted_fare'], r['tier']])).toEqual([[15, 'gold']]);
    });

    it('refuses a function for a view the applied definitions do not have', async () => {
      await expect(openAppliedFeatureStore(store.project, engine, undefined, { functions: { fare_adjustd: fareAdjusted.compute } })).rejects.toMatchObject({
        code: 'FEATURE_FUNCTION_UNKNOWN_VIEW',
      });
    });
  });
});
