import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureStore, LmdbOnlineStore, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';

let engine: Engine;
let project: Project;
let store: FeatureStore;
let online: LmdbOnlineStore;

const repository: FeatureRepository = { entities: [driverEntity], featureViews: [driverStatsView({ createdTimestamp: true, ttl: '1h' })] };

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await driverStatsProject(
    engine,
    `SELECT driver_id, event_ts, created_ts, conv_rate::DOUBLE AS conv_rate, trips::BIGINT AS trips FROM (VALUES
      (1, TIMESTAMPTZ '2024-05-01 10:00:00+00', TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.1, 10),
      (1, TIMESTAMPTZ '2024-05-01 11:00:00+00', TIMESTAMPTZ '2024-05-01 11:00:00+00', 0.2, 20),
      (1, TIMESTAMPTZ '2024-05-01 11:00:00+00', TIMESTAMPTZ '2024-05-01 11:05:00+00', 0.3, 30),
      (2, TIMESTAMPTZ '2024-05-01 09:00:00+00', TIMESTAMPTZ '2024-05-01 09:00:00+00', NULL, 5)
    ) AS t(driver_id, event_ts, created_ts, conv_rate, trips)`,
    'aquifer-online-',
  );
  online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
  store = new FeatureStore(project, engine, repository, online);
});

afterAll(async () => {
  await online.close();
  engine.close();
});

describe('online features', () => {
  it("materializes the latest value per entity and serves it in Feast's response shape", async () => {
    const [result] = await store.materialize('2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z');
    expect(result).toMatchObject({ view: 'driver_stats', read: 2, written: 2 });
    const response = await store.onlineFeatures({ features: ['driver_stats:conv_rate', 'driver_stats:trips'], entities: { driver_id: [1, 2, 3] } });
    expect(response).toEqual({
      metadata: { feature_names: ['driver_id', 'conv_rate', 'trips'] },
      results: [
        {
          values: [1, 2, 3],
          statuses: ['PRESENT', 'PRESENT', 'PRESENT'],
          event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
        },
        {
          values: [0.3, null, null],
          statuses: ['PRESENT', 'PRESENT', 'NOT_FOUND'],
          event_timestamps: ['2024-05-01T11:00:00Z', '2024-05-01T09:00:00Z', '1970-01-01T00:00:00Z'],
        },
        {
          values: [30, 5, null],
          statuses: ['PRESENT', 'PRESENT', 'NOT_FOUND'],
          event_timestamps: ['2024-05-01T11:00:00Z', '2024-05-01T09:00:00Z', '1970-01-01T00:00:00Z'],
        },
      ],
    });
  });

  it('does not let an older window overwrite newer values, and materializes incrementally from where it stopped', async () => {
    await store.materialize('2024-05-01T00:00:00Z', '2024-05-01T10:30:00Z');
    let response = await store.onlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: [1] } });
    expect(response.results[1]?.values).toEqual([30]);
    await (
      await DeltaTable.open(project.tablePath('driver_stats'), { engine })
    ).append({
      sql: `SELECT 1 AS driver_id, TIMESTAMPTZ '2024-05-02 08:00:00+00' AS event_ts, TIMESTAMPTZ '2024-05-02 08:00:00+00' AS created_ts, 0.9::DOUBLE AS conv_rate, 90::BIGINT AS trips`,
    });
    const [incremental] = await store.materializeIncremental('2024-05-03T00:00:00Z');
    expect(incremental).toMatchObject({ read: 1, written: 1 });
    response = await store.onlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: [1] }, fullFeatureNames: true });
    expect(response.metadata.feature_names).toEqual(['driver_id', 'driver_stats__trips']);
    expect(response.results[1]?.values).toEqual([90]);
  });

  it('serves the value the training set sees for the same entity and time (no skew)', async () => {
    const set = await store.historicalFeatures({
      entityRows: { sql: `SELECT 1 AS driver_id, TIMESTAMPTZ '2024-05-02 08:30:00+00' AS event_timestamp` },
      features: ['driver_stats:conv_rate', 'driver_stats:trips'],
    });
    const [offline] = await set.rows();
    const response = await store.onlineFeatures({ features: ['driver_stats:conv_rate', 'driver_stats:trips'], entities: { driver_id: [1] } });
    expect([response.results[1]?.values[0], response.results[2]?.values[0]]).toEqual([offline?.['conv_rate'], offline?.['trips']]);
  });

  it('refuses a request without every entity key, or with uneven key columns', async () => {
    await expect(store.onlineFeatures({ features: ['driver_stats:trips'], entities: { rider_id: [1] } })).rejects.toMatchObject({
      code: 'FEATURE_REQUEST_INVALID',
    });
    await expect(store.onlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: [1], other: [1, 2] } })).rejects.toMatchObject({
      code: 'FEATURE_REQUEST_INVALID',
    });
  });
});
