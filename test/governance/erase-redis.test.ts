import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { entityKey, openFeatureStore, openOnlineStore } from '../../src/features/index.js';
import { erase, prove } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { redisAvailable, startRedis, type RedisService } from '../support/services.js';
import { tempDir } from '../support/temp.js';

describe.runIf(redisAvailable())('erase with the Redis online store', () => {
  let engine: Engine;
  let redis: RedisService;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    redis = await startRedis();
  }, 180_000);

  afterAll(async () => {
    await redis?.stop();
    engine?.close();
  });

  it("deletes the entity's keys in Redis and scans every key and value for its values", async () => {
    const root = path.join(await tempDir('aquifer-erase-redis-'), 'shop');
    await Project.init(root, 'shop');
    const file = path.join(root, 'aquifer.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as { backends: Record<string, unknown> };
    config.backends['onlineStore'] = { type: 'redis', url: redis.url };
    await writeFile(file, JSON.stringify(config));
    const project = await Project.open(root);
    await DeltaTable.create(project.tablePath('user_stats'), {
      engine,
      data: { sql: `SELECT 'redis-user-' || i AS user_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' AS ts, i * 1.5 AS f0 FROM range(20) t(i)` },
    });
    await writeFile(
      project.featuresPath,
      JSON.stringify({
        entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
        featureViews: [
          {
            name: 'user_stats',
            entities: ['user'],
            source: { kind: 'table', table: 'user_stats', timestampField: 'ts' },
            features: [{ name: 'f0', type: 'double' }],
          },
        ],
      }),
    );
    const online = openOnlineStore(project);
    await (await openFeatureStore(project, engine, online)).materialize('2024-04-01T00:00:00Z', '2024-06-01T00:00:00Z');

    // The scan sees the key before the erasure (and the table's files).
    expect((await prove(project, engine, ['redis-user-3'])).hits.map((h) => h.found)).toContain('redis');
    const report = await erase(project, engine, { entities: [{ column: 'user', value: 'redis-user-3' }] });
    expect(report.online).toEqual([{ view: 'user_stats', keys: 1, stored: 1, deleted: 1 }]);
    expect(report.proof?.roots).toContain('redis');
    expect(report.proof?.hits).toEqual([]);
    const read = await online.read(
      'user_stats',
      ['redis-user-3', 'redis-user-4'].map((v) => entityKey([v])),
    );
    expect(read.map((r) => r !== undefined)).toEqual([false, true]);
    await online.close();
    project.close();
  }, 120_000);
});
