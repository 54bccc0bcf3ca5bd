import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureStore, entity, featureView, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable, jsonRow } from '../../src/table/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';

let engine: Engine;
let project: Project;
let store: FeatureStore;

const repository: FeatureRepository = {
  entities: [entity(driverEntity)],
  featureViews: [
    featureView(driverStatsView({ createdTimestamp: true, ttl: '2h' })),
    featureView({
      name: 'driver_profile',
      entities: ['driver'],
      source: { kind: 'table', table: 'driver_profile', timestampField: 'updated_at' },
      features: [{ name: 'rating', type: 'double' }],
    }),
  ],
  featureServices: [{ name: 'ranking_v1', features: ['driver_stats:conv_rate', 'driver_profile:rating'] }],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await driverStatsProject(
    engine,
    `SELECT driver_id, event_ts, created_ts, conv_rate::DOUBLE AS conv_rate, trips FROM (VALUES
      (1, TIMESTAMPTZ '2024-05-01 10:00:00+00', TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.1, 10),
      (1, TIMESTAMPTZ '2024-05-01 11:00:00+00', TIMESTAMPTZ '2024-05-01 11:00:00+00', 0.2, 20),
      -- same event time, created later: wins the tie
      (1, TIMESTAMPTZ '2024-05-01 11:00:00+00', TIMESTAMPTZ '2024-05-01 11:30:00+00', 0.25, 25),
      (2, TIMESTAMPTZ '2024-05-01 08:00:00+00', TIMESTAMPTZ '2024-05-01 08:00:00+00', 0.9, 90)
    ) AS t(driver_id, event_ts, created_ts, conv_rate, trips)`,
    'aquifer-features-',
  );
  await DeltaTable.create(project.tablePath('driver_profile'), {
    engine,
    data: {
      sql: `SELECT driver_id, updated_at, rating::DOUBLE AS rating FROM (VALUES (1, TIMESTAMPTZ '2024-04-01 00:00:00+00', 4.5), (2, TIMESTAMPTZ '2024-05-01 09:00:00+00', 3.9)) AS t(driver_id, updated_at, rating)`,
    },
  });
  store = new FeatureStore(project, engine, repository);
});

afterAll(() => engine.close());

const ENTITY_ROWS = `SELECT * FROM (VALUES
  (1, TIMESTAMPTZ '2024-05-01 09:59:59+00', 'a'),
  (1, TIMESTAMPTZ '2024-05-01 10:30:00+00', 'b'),
  (1, TIMESTAMPTZ '2024-05-01 11:00:00+00', 'c'),
  (1, TIMESTAMPTZ '2024-05-01 13:00:00+00', 'd'),
  (1, TIMESTAMPTZ '2024-05-01 13:00:01+00', 'e'),
  (2, TIMESTAMPTZ '2024-05-01 09:30:00+00', 'f'),
  (2, TIMESTAMPTZ '2024-05-01 09:30:00+00', 'f'),
  (3, TIMESTAMPTZ '2024-05-01 12:00:00+00', 'g')
) AS t(driver_id, event_timestamp, label)`;

describe('historical features', () => {
  it('takes each feature as of the row time, within the TTL, newest created time winning ties, NULL where nothing qualifies', async () => {
    const set = await store.historicalFeatures({
      entityRows: { sql: ENTITY_ROWS },
      features: ['driver_stats:conv_rate', 'driver_stats:trips', 'driver_profile:rating'],
    });
    const rows = await set.rows();
    expect(rows.map((r) => [r['label'], r['conv_rate'], r['trips'], r['rating']])).toEqual([
      ['a', null, null, 4.5],
      ['b', 0.1, 10, 4.5],
      ['c', 0.25, 25, 4.5],
      ['d', 0.25, 25, 4.5],
      ['e', null, null, 4.5],
      ['f', 0.9, 90, 3.9],
      ['f', 0.9, 90, 3.9],
      ['g', null, null, null],
    ]);
  });

  it('serves a feature service by name, with full feature names on request', async () => {
    const set = await store.historicalFeatures({ entityRows: { sql: ENTITY_ROWS }, features: 'ranking_v1', fullFeatureNames: true });
    expect(set.definition.featureColumns).toEqual(['driver_stats__conv_rate', 'driver_profile__rating']);
    expect(await set.count()).toBe(8);
  });

  it('refuses unknown features and undefined entities with typed errors', async () => {
    await expect(store.historicalFeatures({ entityRows: { sql: ENTITY_ROWS }, features: ['driver_stats:nope'] })).rejects.toMatchObject({
      code: 'FEATURE_NOT_FOUND',
    });
    expect(() => new FeatureStore(project, engine, { entities: [], featureViews: repository.featureViews })).toThrow(
      expect.objectContaining({ code: 'FEATURE_DEFINITION_UNKNOWN_ENTITY' }),
    );
  });

  it('recreates a saved training set with identical rows after new data arrives', async () => {
    const set = await store.historicalFeatures({ entityRows: { sql: ENTITY_ROWS }, features: ['driver_stats:conv_rate', 'driver_profile:rating'] });
    const location = path.join(project.root, 'tables', 'training_v1');
    await set.save(location, { model: { name: 'ranker', version: '1' } });
    await (
      await DeltaTable.open(project.tablePath('driver_stats'), { engine })
    ).append({
      sql: `SELECT 1 AS driver_id, TIMESTAMPTZ '2024-05-01 10:15:00+00' AS event_ts, TIMESTAMPTZ '2024-05-01 10:15:00+00' AS created_ts, 0.5::DOUBLE AS conv_rate, 50 AS trips`,
    });
    const fresh = await store.historicalFeatures({ entityRows: { sql: ENTITY_ROWS }, features: ['driver_stats:conv_rate', 'driver_profile:rating'] });
    expect((await fresh.rows()).find((r) => r['label'] === 'b')?.['conv_rate']).toBe(0.5);
    const recreated = await store.recreateTrainingSet(location);
    // Rendered as `aquifer table read` prints the saved table: the same form as TrainingSet.rows.
    const table = await DeltaTable.open(location, { engine });
    const fields = (await table.snapshot()).schema.fields;
    const saved = (await (await table.scan()).rows()).map((r) => jsonRow(r, fields));
    const again = await recreated.rows();
    const key = (r: Record<string, unknown>) => JSON.stringify(r);
    expect(again.map(key).sort()).toEqual(saved.map(key).sort());
    expect(recreated.definition.sources.find((s) => s.view === 'driver_stats')?.version).toBe(0);
  });
});
