import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureStore, LmdbOnlineStore, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let store: FeatureStore;
let online: LmdbOnlineStore;

/** Features whose values look like other types: a zip code of digits, a long past 2^53, a timestamp. */
const repository: FeatureRepository = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
  featureViews: [
    {
      name: 'profile',
      entities: ['user'],
      source: { kind: 'table', table: 'profile', timestampField: 'event_ts' },
      features: [
        { name: 'zip', type: 'string' },
        { name: 'visits', type: 'long' },
        { name: 'big', type: 'long' },
        { name: 'last_seen', type: 'timestamp' },
      ],
    },
  ],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const project = await Project.init(await tempDir('aquifer-online-types-'));
  await DeltaTable.create(project.tablePath('profile'), {
    engine,
    data: {
      sql: `SELECT '007' AS user_id, TIMESTAMPTZ '2026-03-01 10:00:00+00' AS event_ts, '02139' AS zip, 1::BIGINT AS visits, 9007199254740993::BIGINT AS big, TIMESTAMPTZ '2026-03-01 09:59:59+00' AS last_seen`,
    },
  });
  online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
  store = new FeatureStore(project, engine, repository, online);
  await store.materialize(0, '2030-01-01T00:00:00Z');
});

afterAll(async () => {
  await online.close();
  engine.close();
});

describe('online values keep their types', () => {
  it('serves a string feature of digits as the string, longs as numbers (exact strings past 2^53) and timestamps in RFC 3339', async () => {
    const response = await store.onlineFeatures({
      features: ['profile:zip', 'profile:visits', 'profile:big', 'profile:last_seen'],
      entities: { user_id: ['007'] },
    });
    expect(response.results.map((r) => r.values[0])).toEqual(['007', '02139', 1, '9007199254740993', '2026-03-01T09:59:59Z']);
  });

  it('serves what the training set holds for a string feature (no skew)', async () => {
    const set = await store.historicalFeatures({
      entityRows: { sql: `SELECT '007' AS user_id, TIMESTAMPTZ '2026-03-02 00:00:00+00' AS event_timestamp` },
      features: ['profile:zip'],
    });
    const [offline] = await set.rows();
    const response = await store.onlineFeatures({ features: ['profile:zip'], entities: { user_id: ['007'] } });
    expect(response.results[1]?.values[0]).toBe(offline?.['zip']);
  });
});
