import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { AquiferError } from '../../src/errors.js';
import { S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { minioAvailable, startMinio } from '../support/services.js';
import { describeTableOnStore, storeRows, type TableStoreFixture } from '../support/table-on-store-suite.js';

const minioReady = await minioAvailable();

async function openMinio(): Promise<TableStoreFixture> {
  const minio = await startMinio();
  const bucket = await minio.createBucket();
  const { endpoint, accessKeyId, secretAccessKey } = minio;
  return {
    location: () => `s3://${bucket}/tables/${randomUUID()}`,
    options: (settings = {}) => ({
      s3: { endpoint, credentials: { accessKeyId, secretAccessKey }, cache: { dir: path.join(os.tmpdir(), `aquifer-s3-cache-${randomUUID()}`) }, ...settings },
    }),
    missingBucketLocation: () => `s3://no-such-bucket-${randomUUID().slice(0, 8)}/t`,
    stop: () => minio.stop(),
  };
}

describeTableOnStore('Delta tables on S3 (MinIO)', openMinio, {
  skip: minioReady ? undefined : 'MinIO is not available',
  storeClass: S3ObjectStore,
  specific: (s3) => {
    it('reads data files named by absolute s3:// (and s3a://) paths in the same bucket', async () => {
      const { options, read } = s3();
      const location = s3().location();
      const { table } = await DeltaTable.create(location, { ...options(), data: storeRows(0, 3) });
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
      const reopened = await DeltaTable.open(location, options());
      expect(await read(reopened)).toEqual(await read(table, { version: 0 }));
    }, 120_000);
  },
});

describe('table locations', () => {
  it('refuses an unknown scheme with STORAGE_LOCATION_INVALID', async () => {
    const engine = await Engine.create();
    const error: unknown = await DeltaTable.open('hdfs://namenode/t', { engine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AquiferError);
    expect(error).toMatchObject({ code: 'STORAGE_LOCATION_INVALID' });
    engine.close();
  });

  it('opens file:// URIs as local tables', async () => {
    const engine = await Engine.create();
    const location = path.join(await mkdtemp(path.join(os.tmpdir(), 'aquifer-s3-local-')), 't');
    await DeltaTable.create(location, { engine, data: storeRows(0, 3) });
    const table = await DeltaTable.open(`file://${location}`, { engine });
    expect(await engine.query(`SELECT * FROM (${await (await table.scan()).sql()})`)).toHaveLength(3);
    engine.close();
  });
});
