import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { AquiferError } from '../../src/errors.js';
import { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable, type OpenOptions } from '../../src/table/index.js';
import { minioAvailable, startMinio, type MinioService } from '../support/services.js';

const minioReady = await minioAvailable();

let minio: MinioService | undefined;
let bucket = '';
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create();
  if (!minioReady) return;
  minio = await startMinio();
  bucket = await minio.createBucket();
}, 300_000);

afterAll(async () => {
  await minio?.stop();
}, 120_000);

function s3Options(): OpenOptions {
  if (minio === undefined) throw new Error('MinIO did not start');
  const { endpoint, accessKeyId, secretAccessKey } = minio;
  return {
    engine,
    s3: { endpoint, credentials: { accessKeyId, secretAccessKey }, cache: { dir: path.join(os.tmpdir(), `aquifer-s3-cache-${randomUUID()}`) } },
  };
}

const s3Location = (): string => `s3://${bucket}/tables/${randomUUID()}`;
const localLocation = async (): Promise<string> => path.join(await mkdtemp(path.join(os.tmpdir(), 'aquifer-s3-local-')), 't');

const rows = (from: number, to: number): { sql: string } => ({
  sql: `SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, i * 10 AS amount FROM range(${from}, ${to}) t(i)`,
});

async function read(table: DeltaTable, options: Parameters<DeltaTable['scan']>[0] = {}): Promise<unknown[]> {
  const sql = await (await table.scan(options)).sql();
  return engine.query(`SELECT * FROM (${sql}) ORDER BY ALL`);
}

/** Every table operation in turn, returning what each read saw, so an S3 and a local table can be compared. */
async function lifeOfATable(location: string, options: OpenOptions): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const { table } = await DeltaTable.create(location, {
    ...options,
    data: rows(0, 20),
    partitionColumns: ['region'],
    properties: { 'delta.enableDeletionVectors': 'true', 'delta.enableChangeDataFeed': 'true' },
  });
  await table.append(rows(20, 40));
  seen['appended'] = await read(table);
  seen['time travel v0'] = await read(table, { version: 0 });
  await table.append({ sql: `SELECT 100 AS id, 'eu' AS region, 1000 AS amount, 'new column' AS note` }, { mergeSchema: true });
  seen['schema evolved'] = await read(table);
  const deleted = await table.delete('id % 3 = 0');
  seen['deleted'] = await read(table);
  seen['delete used deletion vectors'] = deleted.deletionVectorsAdded > 0;
  await table.update({ set: { amount: 'amount + 1' }, where: 'id < 10' });
  seen['updated'] = await read(table);
  await table.merge({
    source: {
      rows: [
        { id: 1, amount: -1 },
        { id: 500, amount: 5000 },
      ],
    },
    on: 'target.id = source.id',
    whenMatched: [{ update: { amount: 'source.amount' } }],
    whenNotMatched: [{ insert: { id: 'source.id', region: "'us'", amount: 'source.amount' } }],
  });
  seen['merged'] = await read(table);
  await table.checkpoint();
  const reopened = await DeltaTable.open(location, options);
  seen['reloaded after checkpoint'] = await read(reopened);
  seen['reloaded version'] = (await reopened.snapshot()).version;
  const changes = await table.changes({ from: 3 });
  seen['changes'] = await engine.query(`SELECT * EXCLUDE (_commit_timestamp) FROM (${changes.sql}) ORDER BY ALL`);
  await table.overwrite(rows(0, 5));
  seen['overwritten'] = await read(table);
  const vacuumed = await table.vacuum({ retentionHours: 0, force: true });
  seen['vacuumed files'] = vacuumed.files.length;
  seen['after vacuum'] = await read(table);
  seen['history'] = (await table.history()).map((h) => h.operation);
  return seen;
}

describe.skipIf(!minioReady)('Delta tables on S3 (MinIO)', () => {
  it('create, append, time travel, schema evolution, DML with deletion vectors, checkpoint, CDF, overwrite and vacuum give the same rows as a local table', async () => {
    const onS3 = await lifeOfATable(s3Location(), s3Options());
    const onDisk = await lifeOfATable(await localLocation(), { engine });
    expect(onS3).toEqual(onDisk);
    expect(onS3['delete used deletion vectors']).toBe(true);
    expect(onS3['vacuumed files']).toBeGreaterThan(0);
    expect(onS3['changes']).not.toEqual([]);
    expect(onS3['reloaded after checkpoint']).toEqual(onS3['merged']);
  }, 300_000);

  it('scans the data files in S3 through DuckDB itself when the read cache has no room for them', async () => {
    const location = s3Location();
    const options = s3Options();
    const { table } = await DeltaTable.create(location, { ...options, s3: { ...options.s3, cacheReadShare: 0 }, data: rows(0, 10) });
    const sql = await (await table.scan()).sql();
    expect(sql).toContain(`'${location}/`);
    const store = table.store as S3ObjectStore;
    expect(await read(table)).toHaveLength(10);
    // Nothing was downloaded into the read cache.
    await expect(readdir(store.cache.dir)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);

  it('plans a partition-filtered scan over the matching files only', async () => {
    const { table } = await DeltaTable.create(s3Location(), { ...s3Options(), data: rows(0, 10), partitionColumns: ['region'] });
    await table.append(rows(10, 20));
    const plan = await (await table.scan({ where: "region = 'eu'" })).plan();
    expect(plan.totalFiles).toBe(4);
    expect(plan.files.map((f) => decodeURIComponent(f.path).split('/')[0])).toEqual(['region=eu', 'region=eu']);
    expect(await read(table, { where: "region = 'eu'" })).toHaveLength(10);
  }, 120_000);

  it('shows a reader every commit another writer makes: the log tail is never served from a cache', async () => {
    const location = s3Location();
    const options = s3Options();
    const { table: writer } = await DeltaTable.create(location, { ...options, data: rows(0, 2) });
    const reader = await DeltaTable.open(location, options);
    expect(await read(reader)).toHaveLength(2);
    await writer.append(rows(2, 4));
    await writer.checkpoint();
    await writer.append(rows(4, 6));
    expect((await reader.snapshot()).version).toBe(2);
    expect(await read(reader)).toHaveLength(6);
  }, 120_000);

  it('reads partitions whose values need escaping (spaces, %, =, non-ASCII) from S3', async () => {
    const { table } = await DeltaTable.create(s3Location(), {
      ...s3Options(),
      data: { sql: `SELECT i::INTEGER AS id, ['a b', '50%', 'x=y', 'né', 'a+b'][i + 1] AS region FROM range(0, 5) t(i)` },
      partitionColumns: ['region'],
    });
    expect(await read(table)).toEqual([
      { id: 0, region: 'a b' },
      { id: 1, region: '50%' },
      { id: 2, region: 'x=y' },
      { id: 3, region: 'né' },
      { id: 4, region: 'a+b' },
    ]);
  }, 120_000);

  it('reads data files named by absolute s3:// (and s3a://) paths in the same bucket', async () => {
    const location = s3Location();
    const { table } = await DeltaTable.create(location, { ...s3Options(), data: rows(0, 3) });
    const snapshot = await table.snapshot();
    const file = snapshot.files[0];
    if (file === undefined) throw new Error('no file');
    await table.store.put(
      '_delta_log/00000000000000000001.json',
      `${JSON.stringify({ remove: { path: file.path, deletionTimestamp: Date.now(), dataChange: true } })}\n${JSON.stringify({
        add: { ...file, path: `${location.replace('s3://', 's3a://')}/${file.path}`, dataChange: true },
      })}\n`,
      { ifAbsent: true },
    );
    const reopened = await DeltaTable.open(location, s3Options());
    expect(await read(reopened)).toEqual(await read(table, { version: 0 }));
  }, 120_000);

  it('fails with STORAGE_BUCKET_NOT_FOUND for a bucket that does not exist', async () => {
    const table = await DeltaTable.open(`s3://no-such-bucket-${randomUUID().slice(0, 8)}/t`, s3Options());
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
  }, 120_000);
});

describe('table locations', () => {
  it('refuses an unknown scheme with STORAGE_LOCATION_INVALID', async () => {
    const error: unknown = await DeltaTable.open('hdfs://namenode/t', { engine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AquiferError);
    expect(error).toMatchObject({ code: 'STORAGE_LOCATION_INVALID' });
  });

  it('opens file:// URIs as local tables', async () => {
    const location = await localLocation();
    await DeltaTable.create(location, { engine, data: rows(0, 3) });
    const table = await DeltaTable.open(`file://${location}`, { engine });
    expect(await read(table)).toHaveLength(3);
  });
});
