import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { S3ObjectStore, type S3Credentials } from '../../../src/storage/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { assumeRole } from '../../support/minio-sts.js';
import { minioAvailable, startMinio, type MinioService } from '../../support/services.js';

const minioReady = await minioAvailable();

let minio: MinioService | undefined;
let bucket = '';
let engine: Engine | undefined;

beforeAll(async () => {
  if (!minioReady) return;
  minio = await startMinio();
  bucket = await minio.createBucket();
  engine = await Engine.create({ threads: 1 });
}, 300_000);

afterAll(async () => {
  engine?.close();
  await minio?.stop();
}, 120_000);

/** The key id in each of the engine's S3 secrets (DuckDB shows it; the secret and token it redacts). */
async function secretKeyIds(db: Engine): Promise<string[]> {
  const rows = await db.query(`SELECT secret_string FROM duckdb_secrets() WHERE type = 's3'`);
  return rows.map((row) => /key_id=([^;]*)/.exec(String(row['secret_string']))?.[1] ?? '');
}

describe.skipIf(!minioReady)('engine access to S3 with expiring credentials', () => {
  it('remakes the DuckDB secret with the new keys once the credentials near expiry, and reads on', async () => {
    const server = minio!;
    const db = engine!;
    // Root keys said to expire within the renewal window, then a second pair from STS.
    let current: S3Credentials = {
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      expiration: new Date(Date.now() + 60_000),
    };
    let asked = 0;
    const store = new S3ObjectStore(`s3://${bucket}/expiring-${randomUUID()}`, {
      endpoint: server.endpoint,
      credentials: () => {
        asked++;
        return Promise.resolve(current);
      },
      cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-expiring-cache-')) },
      // No local copies: every read goes through DuckDB's httpfs and the secret.
      cacheReadShare: 0,
    });
    try {
      const { table } = await DeltaTable.create(store, { engine: db, data: { rows: [{ id: 1 }, { id: 2 }] } });
      expect(await table.scan().then((s) => s.rows())).toHaveLength(2);
      expect(await secretKeyIds(db)).toEqual([server.accessKeyId]);

      const temporary = await assumeRole(server);
      expect(temporary.accessKeyId).not.toBe(server.accessKeyId);
      current = temporary;
      const askedBefore = asked;
      await table.append({ rows: [{ id: 3 }] });
      const rows = await (await DeltaTable.open(store, { engine: db })).scan().then((s) => s.rows());
      expect(rows.map((r) => Number(r['id'])).sort()).toEqual([1, 2, 3]);
      expect(asked).toBeGreaterThan(askedBefore);
      // DuckDB now signs with the temporary pair (and its session token, or MinIO would refuse the read).
      expect(await secretKeyIds(db)).toEqual([temporary.accessKeyId]);
    } finally {
      store.close();
    }
  }, 180_000);

  it('keeps the secret it made while the credentials do not expire', async () => {
    const server = minio!;
    const db = await Engine.create({ threads: 1 });
    let asked = 0;
    const store = new S3ObjectStore(`s3://${bucket}/lasting-${randomUUID()}`, {
      endpoint: server.endpoint,
      credentials: () => {
        asked++;
        return Promise.resolve({ accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey });
      },
      cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-lasting-cache-')) },
    });
    try {
      const { table } = await DeltaTable.create(store, { engine: db, data: { rows: [{ id: 1 }] } });
      await table.scan().then((s) => s.rows());
      await table.scan().then((s) => s.rows());
      expect(asked).toBe(1);
      expect(await secretKeyIds(db)).toEqual([server.accessKeyId]);
    } finally {
      store.close();
      db.close();
    }
  }, 180_000);
});
