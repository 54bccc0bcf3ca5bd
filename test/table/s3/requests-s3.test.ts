import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import type { S3StoreOptions } from '../../../src/storage/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { httpfsAvailable } from '../../support/duckdb-extensions.js';
import { S3RequestLog, type S3Request } from '../../support/s3-request-log.js';
import { minioAvailable, startMinio, type MinioService } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

/**
 * What a commit and a load cost in S3 requests, counted by a proxy in front of MinIO: every
 * round trip a writer makes per commit is time on a remote store, so the counts are pinned.
 */
const minioReady = (await minioAvailable()) && (await httpfsAvailable());

let minio: MinioService | undefined;
let proxy: S3RequestLog;
let bucket = '';
let engine: Engine;

beforeAll(async () => {
  if (!minioReady) return;
  minio = await startMinio();
  proxy = await S3RequestLog.start(minio.endpoint);
  bucket = await minio.createBucket();
  engine = await Engine.create();
}, 300_000);

afterAll(async () => {
  engine?.close();
  await proxy?.stop();
  await minio?.stop();
}, 120_000);

async function s3Options(): Promise<S3StoreOptions> {
  if (minio === undefined) throw new Error('MinIO did not start');
  return {
    endpoint: proxy.endpoint,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    cache: { dir: await tempDir('aquifer-s3-cache-') },
  };
}

const kinds = (requests: readonly S3Request[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    const kind = r.method === 'GET' && r.query.includes('list-type=2') ? 'LIST' : r.method;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
};

describe.skipIf(!minioReady)('S3 requests per operation', () => {
  it('an append on an open table makes two PUTs, two HEADs and two GETs, and lists nothing', async () => {
    const location = `s3://${bucket}/append`;
    const s3 = await s3Options();
    const { table } = await DeltaTable.create(location, { engine, s3, data: { sql: 'SELECT 0 AS id' } });
    await table.append({ sql: 'SELECT 1 AS id' });
    proxy.reset();
    await table.append({ sql: 'SELECT 2 AS id' });
    // Refresh: the read version's commit (GET) and whether a next one exists (HEAD);
    // the data file and the commit (PUT); after it, the commit's time (HEAD) and the read
    // version again (GET), to hand on the next snapshot without loading it.
    expect(kinds(proxy.requests)).toEqual({ GET: 2, HEAD: 2, PUT: 2 });
    expect(await (await table.scan()).count()).toBe(3);
  }, 120_000);

  it('a load GETs _last_checkpoint without a HEAD first, and one LIST page covers the tail', async () => {
    const location = `s3://${bucket}/load`;
    const s3 = await s3Options();
    const { table } = await DeltaTable.create(location, { engine, s3, data: { sql: 'SELECT 0 AS id' } });
    for (let i = 1; i <= 12; i++) await table.append({ sql: `SELECT ${i} AS id` });
    proxy.reset();
    const reopened = await DeltaTable.open(location, { engine, s3 });
    const snapshot = await reopened.snapshot();
    expect(snapshot.version).toBe(12);
    const lastCheckpoint = proxy.requests.filter((r) => r.path.endsWith('/_delta_log/_last_checkpoint'));
    expect(lastCheckpoint.map((r) => r.method)).toEqual(['GET']);
    expect(kinds(proxy.requests)['LIST']).toBe(1);
  }, 120_000);

  it('a checkpointing commit on a young log lists one page for the log cleanup', async () => {
    const location = `s3://${bucket}/cleanup`;
    const s3 = { ...(await s3Options()), listPageSize: 5 };
    const { table } = await DeltaTable.create(location, { engine, s3, data: { sql: 'SELECT 0 AS id' } });
    for (let i = 1; i < 19; i++) await table.append({ sql: `SELECT ${i} AS id` });
    proxy.reset();
    // Version 20 checkpoints, then looks for expired log files: none, and the first page says so.
    await table.append({ sql: 'SELECT 19 AS id' });
    await table.append({ sql: 'SELECT 20 AS id' });
    expect(kinds(proxy.requests)['LIST']).toBe(1);
  }, 120_000);
});
