import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { aggregationView, FeatureStore, LmdbOnlineStore, onDemandFeatureView, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

/**
 * Training/serving skew, checked the way it bites: data arrives in batches, the online
 * store is kept current after each, and for sampled entities and times the served value
 * of every kind of feature (stored, on-demand, window aggregate) equals the value the
 * training set computes for the same entity and time.
 */

const DRIVERS = 12;
const BATCHES = 5;
const START_MS = Date.parse('2024-07-01T00:00:00Z');
const features = [
  'driver_stats:conv_rate',
  'driver_stats:acc_rate',
  'driver_stats:trips',
  'fare_quote:quote',
  'fare_quote:tier',
  'driver_trips:count_1h',
  'driver_trips:sum_fare_2h',
  'driver_trips:last_city_1h',
  'driver_trips:trips_today',
];

const repository: FeatureRepository = {
  entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
  featureViews: [
    {
      name: 'driver_stats',
      entities: ['driver'],
      source: { kind: 'table', table: 'driver_stats', timestampField: 'event_ts', createdTimestampField: 'created_ts' },
      features: [
        { name: 'conv_rate', type: 'double' },
        { name: 'acc_rate', type: 'double' },
        { name: 'trips', type: 'long' },
      ],
    },
    aggregationView({
      name: 'driver_trips',
      entities: ['driver'],
      source: { kind: 'table', table: 'trips', timestampField: 'ts' },
      interval: '5m',
      aggregations: [
        { function: 'count', window: '1h' },
        { function: 'sum', column: 'fare', window: '2h' },
        { function: 'last', column: 'city', window: '1h', type: 'string' },
        { function: 'count', window: '1d', windowType: 'tumbling', name: 'trips_today' },
      ],
    }),
  ],
  onDemandFeatureViews: [
    onDemandFeatureView({
      name: 'fare_quote',
      sources: ['driver_stats:conv_rate', 'driver_stats:trips'],
      requestFields: [{ name: 'distance_km', type: 'double' }],
      features: [
        { name: 'quote', type: 'double' },
        { name: 'tier', type: 'string' },
      ],
      compute: ({ conv_rate, trips, distance_km }) => ({
        quote: Math.round(Number(distance_km) * (2 + (typeof conv_rate === 'number' ? conv_rate : 0)) * 100) / 100,
        tier: Number(trips ?? 0) > 50 ? 'gold' : 'basic',
      }),
    }),
  ],
};

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});
afterAll(() => engine.close());

/** A batch of stats updates and trips, covering [from, to) of simulated time. */
function batchSql(batch: number): { stats: { sql: string }; trips: { sql: string }; until: number } {
  const from = START_MS + batch * 90 * 60_000;
  const to = from + 90 * 60_000;
  const stats = `SELECT (i % ${DRIVERS})::BIGINT AS driver_id, make_timestamptz((${from} + (i * 7919) % ${to - from})::BIGINT * 1000) AS event_ts,
      make_timestamptz((${from} + (i * 7919) % ${to - from} + (i % 3) * 1000)::BIGINT * 1000) AS created_ts,
      CASE WHEN i % 11 = 0 THEN NULL ELSE ((i * 37) % 100) / 100.0 END::DOUBLE AS conv_rate, ((i * 53) % 97) / 97.0 AS acc_rate, ((i * 13) % 120)::BIGINT AS trips
    FROM range(${batch * 200}, ${batch * 200 + 200}) t(i)`;
  const trips = `SELECT (i % ${DRIVERS - 2})::BIGINT AS driver_id, make_timestamptz((${from} + (i * 104729) % ${to - from})::BIGINT * 1000) AS ts,
      ((i * 31) % 400) / 10.0 AS fare, 'c' || (i % 5) AS city
    FROM range(${batch * 500}, ${batch * 500 + 500}) t(i)`;
  return { stats: { sql: stats }, trips: { sql: trips }, until: to - 1 };
}

describe('training and serving agree', () => {
  it('for stored, on-demand and window-aggregate features, for sampled entities at the time of each batch', async () => {
    const project = await Project.init(await tempDir('aquifer-no-skew-'));
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    try {
      const store = new FeatureStore(project, engine, repository, online);
      let checked = 0;
      let nonEmpty = 0;
      for (let batch = 0; batch < BATCHES; batch++) {
        const { stats, trips, until } = batchSql(batch);
        if (batch === 0) {
          await DeltaTable.create(project.tablePath('driver_stats'), { engine, data: stats });
          await DeltaTable.create(project.tablePath('trips'), { engine, data: trips });
        } else {
          await (await DeltaTable.open(project.tablePath('driver_stats'), { engine })).append(stats);
          await (await DeltaTable.open(project.tablePath('trips'), { engine })).append(trips);
        }
        await store.materializeIncremental(until);
        // Every driver (two of them never take a trip, one never appears at all), with a request field.
        const drivers = Array.from({ length: DRIVERS + 1 }, (_, d) => d);
        const distances = drivers.map((d) => 1.5 + d);
        const served = await store.onlineFeatures({ features, entities: { driver_id: drivers, distance_km: distances }, at: until, fullFeatureNames: true });
        const set = await store.historicalFeatures({
          entityRows: {
            sql: `SELECT d::BIGINT AS driver_id, make_timestamptz(${until}::BIGINT * 1000) AS event_timestamp, (1.5 + d)::DOUBLE AS distance_km FROM range(0, ${DRIVERS + 1}) t(d)`,
          },
          features,
          fullFeatureNames: true,
        });
        const offline = await set.rows();
        for (const name of features.map((f) => f.replace(':', '__'))) {
          const column = served.results[served.metadata.feature_names.indexOf(name)];
          expect(column, name).toBeDefined();
          drivers.forEach((d) => {
            const trained = offline[d]?.[name];
            const expected = typeof trained === 'string' && /^-?\d+$/.test(trained) ? Number(trained) : (trained ?? null);
            const value = column?.values[d] ?? null;
            if (typeof expected === 'number' && typeof value === 'number' && !(Number.isInteger(expected) && Number.isInteger(value))) {
              expect(Math.abs(value - expected), `${name}, driver ${d}, batch ${batch}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
            } else {
              expect(value, `${name}, driver ${d}, batch ${batch}`).toEqual(expected);
            }
            checked++;
            if (value !== null && value !== 0) nonEmpty++;
          });
        }
      }
      expect(checked).toBe(BATCHES * (DRIVERS + 1) * features.length);
      // The comparison is about values, not NULLs and zeros on both sides.
      expect(nonEmpty).toBeGreaterThan(checked * 0.7);
    } finally {
      await online.close();
    }
  });
});
