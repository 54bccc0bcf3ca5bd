import { HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AquiferError } from '../../src/errors.js';
import { openObjectStore, S3ObjectStore, type S3StoreOptions } from '../../src/storage/index.js';
import { runObjectStoreContract } from '../contracts/object-store.contract.js';
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

function service(): MinioService {
  if (minio === undefined) throw new Error('MinIO did not start');
  return minio;
}

const stores: S3ObjectStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

/** A store on a fresh prefix of the test bucket, with its own read cache. */
async function fresh(options: S3StoreOptions = {}, prefix = `t-${randomUUID()}`): Promise<S3ObjectStore> {
  const { endpoint, accessKeyId, secretAccessKey } = service();
  const store = new S3ObjectStore(`s3://${bucket}/${prefix}`, {
    endpoint,
    credentials: { accessKeyId, secretAccessKey },
    cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-s3-cache-')) },
    ...options,
  });
  stores.push(store);
  return store;
}

function rawClient(extra: Partial<S3ClientConfig> = {}): S3Client {
  const { endpoint, accessKeyId, secretAccessKey } = service();
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, ...extra });
}

/**
 * Run `action` once inside the SDK's retry loop, for the first request of `command`, after
 * the request was sent: simulates a response lost on the way back, which the SDK retries.
 */
function afterFirstSend(store: S3ObjectStore, command: string, action: () => Promise<void>): void {
  let fired = false;
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (!fired && context.commandName === command) {
        fired = true;
        await action();
        throw Object.assign(new Error('socket hang up (simulated)'), { code: 'ECONNRESET' });
      }
      return result;
    },
    { step: 'deserialize', name: 'loseFirstResponse' },
  );
}

runObjectStoreContract('S3ObjectStore on MinIO', () => fresh(), minioReady ? {} : { skip: 'MinIO is not available' });

describe.skipIf(!minioReady)('S3ObjectStore on MinIO', () => {
  it('lets exactly one of 16 writers with their own clients win a put-if-absent race', async () => {
    const prefix = `race-${randomUUID()}`;
    const writers = await Promise.all(Array.from({ length: 16 }, () => fresh({}, prefix)));
    const results = await Promise.allSettled(writers.map((store, i) => store.put('_delta_log/00000000000000000001.json', `writer ${i}`, { ifAbsent: true })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
    const stored = new TextDecoder().decode(await writers[0]!.get('_delta_log/00000000000000000001.json'));
    expect(stored).toBe(`writer ${winners[0]}`);
  });

  it('publishes a file larger than the part size as a multipart upload and removes the staged copy', async () => {
    const store = await fresh({ partSize: 5 * 1024 * 1024 });
    const dir = await store.stagingDir();
    const file = path.join(dir, 'big.parquet');
    const content = randomBytes(12 * 1024 * 1024 + 123);
    await writeFile(file, content);
    await store.publishLocal(file, 'data/big.parquet');
    expect(existsSync(file)).toBe(false);
    await store.discardStaging(dir);
    expect(existsSync(dir)).toBe(false);
    const head = await store.client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${store.keyPrefix}data/big.parquet` }));
    // A multipart object's ETag ends in -<number of parts>.
    expect(head.ETag).toMatch(/-3"?$/);
    expect(Buffer.from(await store.get('data/big.parquet')).equals(content)).toBe(true);
    expect(Buffer.from(await store.getRange('data/big.parquet', 6 * 1024 * 1024, 10)).equals(content.subarray(6 * 1024 * 1024, 6 * 1024 * 1024 + 10))).toBe(
      true,
    );
  });

  it('aborts a multipart upload whose part fails, leaving no parts behind', async () => {
    const store = await fresh({ partSize: 5 * 1024 * 1024, maxAttempts: 1 });
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && (args.input as { PartNumber?: number }).PartNumber === 2) {
          throw Object.assign(new Error('part refused (simulated)'), { name: 'InvalidPart', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPart' },
    );
    const dir = await store.stagingDir();
    const file = path.join(dir, 'big.bin');
    await writeFile(file, randomBytes(11 * 1024 * 1024));
    await expect(store.publishLocal(file, 'data/failed.bin')).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    const uploads = await store.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: store.keyPrefix }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await store.head('data/failed.bin')).toBeUndefined();
  });

  it('lists past 1,000 keys across pages, in key order, from a start key', async () => {
    const store = await fresh({ listPageSize: 300 });
    const keys = Array.from({ length: 1005 }, (_, i) => `_delta_log/${String(i).padStart(20, '0')}.json`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, '{}')));
    expect((await store.list('_delta_log')).map((m) => m.path)).toEqual(keys);
    expect((await store.list('_delta_log', { startAfter: keys[899]! })).map((m) => m.path)).toEqual(keys.slice(900));
    const defaultPages = await fresh({}, store.keyPrefix.replace(/\/$/, ''));
    expect(await defaultPages.list('_delta_log', { recursive: true })).toHaveLength(1005);
  }, 120_000);

  it('fetches no page after the one where takeWhile ends the listing', async () => {
    const store = await fresh({ listPageSize: 10 });
    const keys = Array.from({ length: 95 }, (_, i) => `_delta_log/${String(i).padStart(20, '0')}.json`);
    await Promise.all(keys.map((key) => store.put(key, '{}')));
    let pages = 0;
    store.client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'ListObjectsV2Command') pages++;
        return next(args);
      },
      { step: 'initialize', name: 'countListPages' },
    );
    const listed = await store.list('_delta_log', { takeWhile: (m) => m.path < keys[15]! });
    expect(listed.map((m) => m.path)).toEqual(keys.slice(0, 15));
    expect(pages).toBe(2);
    pages = 0;
    expect(await store.list('_delta_log')).toHaveLength(95);
    expect(pages).toBe(10);
  }, 120_000);

  it('takes credentials, endpoint and region from the standard AWS environment variables', async () => {
    const { endpoint, accessKeyId, secretAccessKey } = service();
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_S3', 'AWS_REGION', 'AWS_PROFILE'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'eu-west-1',
    });
    delete process.env['AWS_PROFILE'];
    try {
      const store = openObjectStore(`s3://${bucket}/env-${randomUUID()}`) as S3ObjectStore;
      stores.push(store);
      expect(store).toBeInstanceOf(S3ObjectStore);
      await store.put('hello.txt', 'from the environment');
      expect(new TextDecoder().decode(await store.get('hello.txt'))).toBe('from the environment');
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('takes credentials from a named profile in the shared credentials file', async () => {
    const { accessKeyId, secretAccessKey } = service();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aquifer-aws-'));
    await writeFile(path.join(dir, 'credentials'), `[aquifer-test]\naws_access_key_id = ${accessKeyId}\naws_secret_access_key = ${secretAccessKey}\n`);
    await writeFile(path.join(dir, 'config'), '');
    const names = ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'), AWS_CONFIG_FILE: path.join(dir, 'config') });
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    try {
      const store = new S3ObjectStore(`s3://${bucket}/profile-${randomUUID()}`, { endpoint: service().endpoint, profile: 'aquifer-test' });
      stores.push(store);
      await store.put('p.txt', 'from a profile');
      expect(new TextDecoder().decode(await store.get('p.txt'))).toBe('from a profile');
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('treats 409 ConditionalRequestConflict on put-if-absent as a lost race', async () => {
    const store = await fresh();
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') {
          throw Object.assign(new Error('conditional write in progress (simulated)'), {
            name: 'ConditionalRequestConflict',
            $metadata: { httpStatusCode: 409 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'conflict' },
    );
    await expect(store.put('_delta_log/00000000000000000003.json', 'x', { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
  });

  it('leaves the parent working when a store made by at() is closed', async () => {
    const parent = await fresh();
    const child = parent.at(`${parent.url}/child`);
    await child.put('x', 'from the child');
    child.close();
    await parent.put('y', 'from the parent');
    expect(new TextDecoder().decode(await parent.get('child/x'))).toBe('from the child');
    expect(new TextDecoder().decode(await parent.get('y'))).toBe('from the parent');
  });

  it('reads no bytes past the end of an object, as a local read does', async () => {
    const store = await fresh();
    await store.put('short', 'abc');
    expect([...(await store.getRange('short', 10, 5))]).toEqual([]);
    expect(new TextDecoder().decode(await store.getRange('short', 1, 100))).toBe('bc');
  });

  it('answers a wrong secret with STORAGE_ACCESS_DENIED and never shows the secret', async () => {
    const wrongSecret = `wrong-${randomUUID()}`;
    const store = await fresh({ credentials: { accessKeyId: service().accessKeyId, secretAccessKey: wrongSecret } });
    const error: unknown = await store.put('x', 'y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AquiferError);
    expect(error).toMatchObject({ code: 'STORAGE_ACCESS_DENIED' });
    const shown = JSON.stringify((error as AquiferError).toJSON()) + String(error);
    expect(shown).not.toContain(wrongSecret);
    expect(shown).not.toContain(service().secretAccessKey);
  });

  it('answers a missing bucket with STORAGE_BUCKET_NOT_FOUND', async () => {
    const { endpoint, accessKeyId, secretAccessKey } = service();
    const store = new S3ObjectStore(`s3://no-such-bucket-${randomUUID().slice(0, 8)}/t`, { endpoint, credentials: { accessKeyId, secretAccessKey } });
    stores.push(store);
    await expect(store.list('')).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
    await expect(store.put('x', 'y')).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
  });

  it('answers a stopped endpoint with STORAGE_UNREACHABLE after its retries', async () => {
    const other = await startMinio();
    const { endpoint, accessKeyId, secretAccessKey } = other;
    await other.stop();
    const store = new S3ObjectStore('s3://gone/t', { endpoint, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 3 });
    stores.push(store);
    let attempts = 0;
    store.client.middlewareStack.add(
      (next) => async (args) => {
        attempts++;
        return next(args);
      },
      { step: 'deserialize', name: 'countAttempts' },
    );
    const error: unknown = await store.get('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORAGE_UNREACHABLE' });
    expect(attempts).toBe(3);
    expect(String(error)).not.toContain(secretAccessKey);
  }, 180_000);

  it('treats a retried put-if-absent refused by its own lost first write as success', async () => {
    const store = await fresh();
    afterFirstSend(store, 'PutObjectCommand', async () => undefined);
    await store.put('_delta_log/00000000000000000000.json', 'mine', { ifAbsent: true });
    expect(new TextDecoder().decode(await store.get('_delta_log/00000000000000000000.json'))).toBe('mine');
  });

  it('treats a retried put-if-absent refused by another writer as lost', async () => {
    const store = await fresh();
    const other = rawClient();
    try {
      // The first attempt fails as a reset connection would, after the other writer has
      // landed: the SDK's retry is refused, and the content read back is not ours.
      const key = `${store.keyPrefix}_delta_log/00000000000000000000.json`;
      store.client.middlewareStack.add(
        (next, context) => {
          let fired = false;
          return async (args) => {
            if (!fired && context.commandName === 'PutObjectCommand') {
              fired = true;
              await other.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'theirs', IfNoneMatch: '*' }));
              throw Object.assign(new Error('socket hang up (simulated)'), { code: 'ECONNRESET' });
            }
            return next(args);
          };
        },
        { step: 'deserialize', name: 'otherWriterFirst' },
      );
      await expect(store.put('_delta_log/00000000000000000000.json', 'mine', { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
      expect(new TextDecoder().decode(await store.get('_delta_log/00000000000000000000.json'))).toBe('theirs');
    } finally {
      other.destroy();
    }
  });

  it('downloads an object for DuckDB once and serves the cached copy until the object changes', async () => {
    const store = await fresh();
    let gets = 0;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand') gets++;
        return next(args);
      },
      { step: 'initialize', name: 'countGets' },
    );
    await store.put('data/part-0.parquet', 'first');
    const first = await store.localPath('data/part-0.parquet');
    expect(await store.localPath('data/part-0.parquet')).toBe(first);
    expect(gets).toBe(1);
    expect(first.startsWith(store.cache.dir)).toBe(true);
    expect(path.extname(first)).toBe('.parquet');
    await store.put('data/part-0.parquet', 'second');
    const second = await store.localPath('data/part-0.parquet');
    expect(second).not.toBe(first);
    expect(readFileSync(second, 'utf8')).toBe('second');
    await expect(store.localPath('data/missing.parquet')).rejects.toMatchObject({ code: 'STORAGE_NOT_FOUND' });
  });

  it('keeps the read cache under its size limit, evicting the least recently used files', async () => {
    const store = await fresh({ cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-s3-cache-')), maxBytes: 2500 } });
    for (let i = 0; i < 5; i++) {
      await store.put(`f${i}`, 'x'.repeat(1000));
      await store.localPath(`f${i}`);
      await store.cache.settled();
    }
    const files = readdirSync(store.cache.dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    expect(files.reduce((sum, d) => sum + statSync(path.join(d.parentPath, d.name)).size, 0)).toBeLessThanOrEqual(2500);
    expect(readFileSync(await store.localPath('f4'), 'utf8')).toBe('x'.repeat(1000));
  });
});

describe('S3ObjectStore against a server that is unavailable', () => {
  it("answers MinIO's 499 ClientDisconnected, sent while it shuts down, with STORAGE_UNREACHABLE", async () => {
    const server = http.createServer((request, response) => {
      request.resume();
      response
        .writeHead(499, { 'content-type': 'application/xml' })
        .end(
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ClientDisconnected</Code><Message>Client disconnected before response was ready</Message></Error>',
        );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const store = new S3ObjectStore('s3://stopping/t', {
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'key', secretAccessKey: 'not-in-any-message' },
      maxAttempts: 1,
    });
    try {
      const error: unknown = await store.put('part-0.parquet', 'x').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'STORAGE_UNREACHABLE' });
      expect(String(error)).toContain('ClientDisconnected');
    } finally {
      store.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers HTTP 503 that outlasts its retries with STORAGE_UNREACHABLE, as a server starting up does', async () => {
    let requests = 0;
    const server = http.createServer((request, response) => {
      requests++;
      request.resume();
      response.writeHead(503, { 'content-type': 'application/xml' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const store = new S3ObjectStore('s3://starting/t', {
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'key', secretAccessKey: 'not-in-any-message' },
      maxAttempts: 2,
    });
    try {
      for (const attempt of [
        () => store.head('_delta_log/00000000000000000001.json'),
        () => store.put('_delta_log/00000000000000000001.json', '{}', { ifAbsent: true }),
      ]) {
        const error: unknown = await attempt().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'STORAGE_UNREACHABLE' });
        expect(String(error)).toContain('HTTP 503');
        expect(String(error)).not.toContain('not-in-any-message');
      }
      expect(requests).toBe(4);
    } finally {
      store.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
