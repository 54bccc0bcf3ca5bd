import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AquiferError } from '../../src/errors.js';
import { credentialsFromEnv, liveS3Clients, LocalObjectStore, ObjectStorePool, S3ObjectStore } from '../../src/storage/index.js';
import { minioAvailable, startMinio, type MinioService } from '../support/services.js';

const minioReady = await minioAvailable();

let minio: MinioService | undefined;
let bucket = '';

beforeAll(async () => {
  if (!minioReady) return;
  minio = await startMinio();
  bucket = await minio.createBucket();
}, 300_000);

afterAll(async () => {
  await minio?.stop();
}, 120_000);

async function pool(): Promise<ObjectStorePool> {
  if (minio === undefined) throw new Error('MinIO did not start');
  const { endpoint, accessKeyId, secretAccessKey } = minio;
  return new ObjectStorePool({
    s3: { endpoint, credentials: { accessKeyId, secretAccessKey }, cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-pool-cache-')) } },
  });
}

describe('ObjectStorePool', () => {
  it('opens local paths as local stores and makes no S3 client for them', async () => {
    const before = liveS3Clients();
    const stores = new ObjectStorePool();
    const store = stores.open(await mkdtemp(path.join(os.tmpdir(), 'aquifer-pool-local-')));
    expect(store).toBeInstanceOf(LocalObjectStore);
    expect(liveS3Clients()).toBe(before);
    stores.close();
  });
});

describe.skipIf(!minioReady)('ObjectStorePool on MinIO', () => {
  it('serves many locations, in more than one bucket, from one client that close releases', async () => {
    const other = await minio!.createBucket();
    const before = liveS3Clients();
    const stores = await pool();
    const prefix = `pool-${randomUUID()}`;
    const opened = Array.from({ length: 20 }, (_, i) => stores.open(`s3://${bucket}/${prefix}/t${i}`));
    opened.push(stores.open(`s3://${other}/${prefix}`));
    await Promise.all(opened.map((store, i) => store.put('x', `value ${i}`)));
    expect(new TextDecoder().decode(await opened[7]!.get('x'))).toBe('value 7');
    expect(liveS3Clients()).toBe(before + 1);
    stores.close();
    expect(liveS3Clients()).toBe(before);
  }, 120_000);

  it('keeps the shared client working when one of its stores is closed', async () => {
    const stores = await pool();
    const prefix = `pool-${randomUUID()}`;
    const first = stores.open(`s3://${bucket}/${prefix}/a`) as S3ObjectStore;
    const second = stores.open(`s3://${bucket}/${prefix}/b`);
    first.close();
    await second.put('k', 'still open');
    expect(new TextDecoder().decode(await second.get('k'))).toBe('still open');
    stores.close();
  }, 120_000);

  it('refuses to open an S3 location once closed', async () => {
    const stores = await pool();
    stores.close();
    expect(() => stores.open(`s3://${bucket}/late`)).toThrow(AquiferError);
  });
});

describe('credentialsFromEnv', () => {
  it('reads the named variables when asked, not before', async () => {
    const env: NodeJS.ProcessEnv = {};
    const provider = credentialsFromEnv({ accessKeyIdEnv: 'LAKE_KEY', secretAccessKeyEnv: 'LAKE_SECRET', sessionTokenEnv: 'LAKE_TOKEN' }, env);
    Object.assign(env, { LAKE_KEY: 'id', LAKE_SECRET: 'secret', LAKE_TOKEN: 'token' });
    await expect(provider()).resolves.toEqual({ accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('fails with STORAGE_CREDENTIALS_MISSING naming an unset variable, not its value', async () => {
    const provider = credentialsFromEnv({ accessKeyIdEnv: 'LAKE_KEY', secretAccessKeyEnv: 'LAKE_SECRET' }, { LAKE_KEY: 'id-value' });
    const error = await provider().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AquiferError);
    expect((error as AquiferError).code).toBe('STORAGE_CREDENTIALS_MISSING');
    expect((error as AquiferError).message).toContain('LAKE_SECRET');
    expect((error as AquiferError).message).not.toContain('id-value');
  });
});
