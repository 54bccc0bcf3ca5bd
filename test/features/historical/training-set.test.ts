import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { FeatureStore, type FeatureRepository } from '../../../src/features/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

const repository: FeatureRepository = {
  entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
  featureViews: [
    {
      name: 'driver_stats',
      entities: ['driver'],
      source: { kind: 'table', table: 'driver_stats', timestampField: 'event_ts' },
      features: [
        { name: 'trips', type: 'long' },
        { name: 'conv_rate', type: 'double' },
        { name: 'zip', type: 'string' },
        { name: 'last_trip', type: 'timestamp' },
      ],
    },
  ],
};

let engine: Engine;
let store: FeatureStore;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const project = await Project.init(await tempDir('aquifer-training-set-'));
  await DeltaTable.create(project.tablePath('driver_stats'), {
    engine,
    data: {
      sql: `SELECT * FROM (VALUES
        (1::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 9007199254740993::BIGINT, 0.5::DOUBLE, '02139', TIMESTAMPTZ '2024-05-01 09:59:59.5+00'),
        (2::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 42::BIGINT, NULL::DOUBLE, NULL::VARCHAR, NULL::TIMESTAMPTZ)
      ) AS t(driver_id, event_ts, trips, conv_rate, zip, last_trip)`,
    },
  });
  store = new FeatureStore(project, engine, repository);
});

afterAll(() => engine.close());

describe('TrainingSet.rows', () => {
  it('gives longs as numbers (exact strings past 2^53), doubles, RFC 3339 timestamps, nulls and strings as they are', async () => {
    const set = await store.historicalFeatures({
      entityRows: {
        sql: `SELECT * FROM (VALUES (2::BIGINT, TIMESTAMPTZ '2024-05-02 00:00:00+00'), (1::BIGINT, TIMESTAMPTZ '2024-05-02 00:00:00+00'), (3::BIGINT, TIMESTAMPTZ '2024-05-02 00:00:00+00')) AS t(driver_id, event_timestamp)`,
      },
      features: ['driver_stats:trips', 'driver_stats:conv_rate', 'driver_stats:zip', 'driver_stats:last_trip'],
    });
    expect(await set.rows()).toEqual([
      { driver_id: 2, event_timestamp: '2024-05-02T00:00:00Z', trips: 42, conv_rate: null, zip: null, last_trip: null },
      { driver_id: 1, event_timestamp: '2024-05-02T00:00:00Z', trips: '9007199254740993', conv_rate: 0.5, zip: '02139', last_trip: '2024-05-01T09:59:59.5Z' },
      { driver_id: 3, event_timestamp: '2024-05-02T00:00:00Z', trips: null, conv_rate: null, zip: null, last_trip: null },
    ]);
  });
});
