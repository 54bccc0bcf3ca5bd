import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import type { S3StoreOptions } from '../../../src/storage/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { httpfsAvailable } from '../../support/duckdb-extensions.js';
import { S3RequestLog, type S3Request } from '../../support/s3-request-log.js';
import { minioAvailable, startMinio, type MinioService } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

/**
 * Repeated scans on S3 read data files, checkpoints and deletion vectors from the local read
 * cache, counted by a proxy that logs every request MinIO answers. Each scan runs in a new
 * Engine, as a new CLI process would: DuckDB's own external file cache lives only as long as
 * its instance, so only the disk cache can spare these downloads.
 */
const minioReady = (await minioAvailable()) && (await httpfsAvailable());

let minio: MinioService | undefined;
let proxy: S3RequestLog;
let bucket = '';
const FILES = 4;
const PER_FILE = 20_000;

beforeAll(async () => {
  if (!minioReady) return;
  minio = await startMinio();
  proxy = await S3RequestLog.start(minio.endpoint);
  bucket = await minio.createBucket();
}, 300_000);

afterAll(async () => {
  await proxy?.stop();
  await minio?.stop();
}, 120_000);

async function s3Options(cache: { dir: string; maxBytes?: number }): Promise<S3StoreOptions> {
  if (minio === undefined) throw new Error('MinIO did not start');
  return { endpoint: proxy.endpoint, credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey }, cache };
}

const rows = (from: number, to: number): { sql: string } => ({ sql: `SELECT i AS id, i * 2 AS v, repeat('x', 40) AS pad FROM range(${from}, ${to}) t(i)` });

/** A table of FILES files, ids increasing across them, so statistics on `id` pick one file per range. */
async function writeTable(location: string, s3: S3StoreOptions): Promise<void> {
  const engine = await Engine.create();
  await DeltaTable.create(location, { engine, s3, data: rows(0, PER_FILE) });
  const table = await DeltaTable.open(location, { engine, s3 });
  for (let i = 1; i < FILES; i++) await table.append(rows(i * PER_FILE, (i + 1) * PER_FILE));
}

/** Scan in a fresh Engine and return the rows' count and sum and the requests the scan made. */
async function scan(location: string, s3: S3StoreOptions, where?: string): Promise<{ n: number; sum: number; requests: S3Request[] }> {
  proxy.reset();
  const engine = await Engine.create();
  const table = await DeltaTable.open(location, { engine, s3 });
  const sql = await (await table.scan(where === undefined ? {} : { where })).sql();
  const [row] = await engine.query(`SELECT count(*) AS n, coalesce(sum(v), 0) AS s FROM (${sql})`);
  return { n: Number(row?.['n']), sum: Number(row?.['s']), requests: [...proxy.requests] };
}

const key = (r: S3Request): string => r.path.replace(/^\/[^/]+\//, '');
const dataGets = (requests: readonly S3Request[]): S3Request[] =>
  requests.filter((r) => r.method === 'GET' && key(r).endsWith('.parquet') && !key(r).includes('_delta_log/'));
const bytes = (requests: readonly S3Request[]): number => requests.reduce((sum, r) => sum + r.bytes, 0);

async function cachedFiles(dir: string): Promise<{ name: string; size: number }[]> {
  const found: { name: string; size: number }[] = [];
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    for (const name of await readdir(path.join(dir, sub)).catch(() => [] as string[])) {
      found.push({ name, size: (await stat(path.join(dir, sub, name))).size });
    }
  }
  return found;
}

describe.skipIf(!minioReady)('the read cache on S3', () => {
  it('a second scan of the same files GETs no data-file bytes', async () => {
    const location = `s3://${bucket}/repeat`;
    const s3 = await s3Options({ dir: await tempDir('aquifer-scan-cache-') });
    await writeTable(location, s3);
    const first = await scan(location, s3);
    expect(first.n).toBe(FILES * PER_FILE);
    expect(new Set(dataGets(first.requests).map(key)).size).toBe(FILES);
    const second = await scan(location, s3);
    expect(second).toMatchObject({ n: first.n, sum: first.sum });
    expect(dataGets(second.requests)).toEqual([]);
    // The log gives every file's size and time: a warm scan looks nothing up.
    expect(second.requests.filter((r) => r.method === 'HEAD')).toEqual([]);
  }, 120_000);

  it('a selective scan GETs only the file its predicate needs', async () => {
    const location = `s3://${bucket}/selective`;
    const s3 = await s3Options({ dir: await tempDir('aquifer-scan-cache-') });
    await writeTable(location, s3);
    const picked = await scan(location, s3, `id BETWEEN ${2 * PER_FILE + 10} AND ${2 * PER_FILE + 19}`);
    expect(picked.n).toBe(10);
    const touched = new Set(picked.requests.filter((r) => key(r).endsWith('.parquet') && !key(r).includes('_delta_log/')).map(key));
    expect(touched.size).toBe(1);
    expect(dataGets(picked.requests)).toHaveLength(1);
  }, 120_000);

  it('keeps the cache within its byte limit and reads the files it cannot hold from S3', async () => {
    const location = `s3://${bucket}/limited`;
    const dir = await tempDir('aquifer-scan-cache-');
    await writeTable(location, await s3Options({ dir }));
    const fileBytes = (await scan(location, await s3Options({ dir: await tempDir('aquifer-scan-cache-') }))).requests;
    const largest = Math.max(...dataGets(fileBytes).map((r) => r.bytes));
    // One read may fill a quarter of the cache: room for two of the four files.
    const maxBytes = 4 * (2 * largest + largest / 2);
    const s3 = await s3Options({ dir, maxBytes });
    const first = await scan(location, s3);
    const second = await scan(location, s3);
    expect(second).toMatchObject({ n: FILES * PER_FILE, sum: first.sum });
    const cached = await cachedFiles(dir);
    expect(cached.filter((f) => f.name.endsWith('.parquet'))).toHaveLength(2);
    expect(cached.reduce((n, f) => n + f.size, 0)).toBeLessThanOrEqual(maxBytes);
    // The two files beyond the share are read through httpfs each time; the cached ones are not.
    expect(new Set(dataGets(second.requests).map(key)).size).toBe(FILES - 2);
  }, 120_000);

  it('sees a new commit: the log tail is never cached', async () => {
    const location = `s3://${bucket}/fresh`;
    const dir = await tempDir('aquifer-scan-cache-');
    const s3 = await s3Options({ dir });
    await writeTable(location, s3);
    expect((await scan(location, s3)).n).toBe(FILES * PER_FILE);
    const engine = await Engine.create();
    await (await DeltaTable.open(location, { engine, s3 })).append(rows(FILES * PER_FILE, FILES * PER_FILE + 5));
    const after = await scan(location, s3);
    expect(after.n).toBe(FILES * PER_FILE + 5);
    expect(after.requests.some((r) => r.method === 'GET' && /_delta_log\/0+4\.json$/.test(key(r)))).toBe(true);
    const cached = await cachedFiles(dir);
    expect(cached.filter((f) => f.name.endsWith('.json') || f.name.includes('_last_checkpoint'))).toEqual([]);
  }, 120_000);

  it('a second scan GETs no checkpoint or deletion vector bytes', async () => {
    const location = `s3://${bucket}/checkpointed`;
    const s3 = await s3Options({ dir: await tempDir('aquifer-scan-cache-') });
    const engine = await Engine.create();
    await DeltaTable.create(location, { engine, s3, data: rows(0, PER_FILE), properties: { 'delta.enableDeletionVectors': 'true' } });
    const table = await DeltaTable.open(location, { engine, s3 });
    await table.append(rows(PER_FILE, 2 * PER_FILE));
    await (await DeltaTable.open(location, { engine, s3 })).delete('id % 10 = 0');
    await (await DeltaTable.open(location, { engine, s3 })).checkpoint();
    const immutable = (r: S3Request): boolean => r.method === 'GET' && (key(r).endsWith('.parquet') || key(r).endsWith('.bin'));
    const first = await scan(location, s3);
    expect(first.n).toBe(2 * PER_FILE - (2 * PER_FILE) / 10);
    expect(first.requests.filter((r) => immutable(r) && key(r).includes('.checkpoint.'))).not.toEqual([]);
    expect(first.requests.filter((r) => immutable(r) && key(r).endsWith('.bin'))).not.toEqual([]);
    const second = await scan(location, s3);
    expect(second).toMatchObject({ n: first.n, sum: first.sum });
    expect(second.requests.filter(immutable)).toEqual([]);
    expect(bytes(second.requests.filter((r) => r.method === 'GET' && key(r).includes('_last_checkpoint')))).toBeGreaterThan(0);
  }, 120_000);
});
