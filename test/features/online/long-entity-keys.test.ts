import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../../src/engine/index.js';
import { FeatureStore, LmdbOnlineStore, type FeatureRepository } from '../../../src/features/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

// A document id of 2,000 bytes: far past LMDB's 511-byte key limit.
const LONG = 'd'.repeat(1999) + 'x';
const SHORT = 'd';

const repository: FeatureRepository = {
  entities: [{ name: 'document', joinKeys: [{ name: 'doc_id', type: 'string' }] }],
  featureViews: [
    {
      name: 'doc_stats',
      entities: ['document'],
      source: { kind: 'table', table: 'doc_stats', timestampField: 'event_ts' },
      features: [{ name: 'views', type: 'long' }],
    },
  ],
};

let engine: Engine;
let online: LmdbOnlineStore;
let store: FeatureStore;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const project = await Project.init(await tempDir('aquifer-long-keys-'));
  await DeltaTable.create(project.tablePath('doc_stats'), {
    engine,
    data: {
      sql: `SELECT * FROM (VALUES
        (${quoteLiteral(LONG)}, TIMESTAMPTZ '2024-05-01 10:00:00+00', 1::BIGINT),
        (${quoteLiteral(LONG)}, TIMESTAMPTZ '2024-05-01 11:00:00+00', 2::BIGINT),
        (${quoteLiteral(SHORT)}, TIMESTAMPTZ '2024-05-01 12:00:00+00', 3::BIGINT)
      ) AS t(doc_id, event_ts, views)`,
    },
  });
  online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
  store = new FeatureStore(project, engine, repository, online);
});

afterAll(async () => {
  await online.close();
  engine.close();
});

describe('entity keys longer than LMDB keys', () => {
  it('materializes and serves an entity whose key is 2,000 bytes, apart from a short key', async () => {
    expect(Buffer.byteLength(LONG)).toBe(2000);
    const [result] = await store.materialize('2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z');
    expect(result).toMatchObject({ read: 2, written: 2 });
    const response = await store.onlineFeatures({ features: ['doc_stats:views'], entities: { doc_id: [LONG, SHORT, `${LONG}y`] } });
    expect(response.results[1]).toEqual({
      values: [2, 3, null],
      statuses: ['PRESENT', 'PRESENT', 'NOT_FOUND'],
      event_timestamps: ['2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z', '1970-01-01T00:00:00Z'],
    });
    // Materializing the window again finds nothing newer: the long key's stored row is compared, not duplicated.
    expect((await store.materialize('2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z'))[0]).toMatchObject({ read: 2, written: 0 });
  });
});
