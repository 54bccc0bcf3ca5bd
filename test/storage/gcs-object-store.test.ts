import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsObjectStore, openObjectStore, type GcsStoreOptions } from '../../src/storage/index.js';
import { runObjectStoreContract } from '../contracts/object-store.contract.js';
import { gcsAvailable, startGcs, type GcsService } from '../support/services.js';

const gcsReady = await gcsAvailable();

let gcs: GcsService | undefined;
let bucket = '';

beforeAll(async () => {
  if (!gcsReady) return;
  gcs = await startGcs();
  bucket = await gcs.createBucket();
}, 300_000);

afterAll(async () => {
  await gcs?.stop();
}, 120_000);

function service(): GcsService {
  if (gcs === undefined) throw new Error('fake-gcs-server did not start');
  return gcs;
}

/** A store on a fresh prefix of the test bucket, with its own read cache. */
async function fresh(options: GcsStoreOptions = {}, prefix = `t-${randomUUID()}`): Promise<GcsObjectStore> {
  return new GcsObjectStore(`gs://${bucket}/${prefix}`, {
    endpoint: service().endpoint,
    cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-gcs-cache-')) },
    ...options,
  });
}

interface Proxy {
  endpoint: string;
  /** Every request seen, as `METHOD path?query`. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the emulator that records requests and, for the first one
 * `loseResponse` picks, forwards it and then cuts the connection before the answer: the
 * write happened, the client sees a reset, as when a response is lost on the way back.
 */
async function proxy(loseResponse: (method: string, url: string) => boolean = () => false): Promise<Proxy> {
  const target = new URL(service().endpoint);
  const seen: string[] = [];
  let lost = false;
  const server = http.createServer((request, response) => {
    const url = request.url ?? '/';
    seen.push(`${request.method ?? ''} ${url}`);
    const upstream = http.request({ host: target.hostname, port: target.port, method: request.method, path: url, headers: request.headers }, (answer) => {
      if (!lost && loseResponse(request.method ?? '', url)) {
        lost = true;
        answer.resume();
        answer.on('end', () => request.socket.destroy());
        return;
      }
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

runObjectStoreContract('GcsObjectStore on fake-gcs-server', () => fresh(), gcsReady ? {} : { skip: 'fake-gcs-server is not available' });

describe.skipIf(!gcsReady)('GcsObjectStore on fake-gcs-server', () => {
  it('lets exactly one of 16 writers with their own clients win an ifGenerationMatch=0 race', async () => {
    const prefix = `race-${randomUUID()}`;
    const writers = await Promise.all(Array.from({ length: 16 }, () => fresh({}, prefix)));
    const results = await Promise.allSettled(writers.map((store, i) => store.put('_delta_log/00000000000000000001.json', `writer ${i}`, { ifAbsent: true })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
    expect(new TextDecoder().decode(await writers[0]!.get('_delta_log/00000000000000000001.json'))).toBe(`writer ${winners[0]}`);
  });

  it('sends put-if-absent as an upload with ifGenerationMatch=0', async () => {
    const via = await proxy();
    try {
      const store = await fresh({ endpoint: via.endpoint });
      await store.put('_delta_log/00000000000000000000.json', '{}', { ifAbsent: true });
      expect(via.seen.filter((line) => line.startsWith('POST /upload/storage/v1/') && line.includes('ifGenerationMatch=0'))).toHaveLength(1);
    } finally {
      await via.close();
    }
  });

  it('treats a retried put-if-absent refused by its own lost first write as success', async () => {
    const via = await proxy((method, url) => method === 'POST' && url.includes('ifGenerationMatch=0'));
    try {
      const store = await fresh({ endpoint: via.endpoint });
      await store.put('_delta_log/00000000000000000002.json', 'mine', { ifAbsent: true });
      // The first upload landed and lost its answer; the second was refused with 412.
      expect(via.seen.filter((line) => line.includes('ifGenerationMatch=0'))).toHaveLength(2);
      expect(new TextDecoder().decode(await store.get('_delta_log/00000000000000000002.json'))).toBe('mine');
    } finally {
      await via.close();
    }
  });

  it('treats a retried put-if-absent refused by another writer as lost', async () => {
    const prefix = `lost-${randomUUID()}`;
    const other = await fresh({}, prefix);
    const via = await proxy((method, url) => method === 'POST' && url.includes('ifGenerationMatch=0'));
    try {
      // The other writer wins first; this writer's first attempt is refused (412) but its answer is lost, so it retries and is refused again.
      await other.put('_delta_log/00000000000000000003.json', 'theirs', { ifAbsent: true });
      const store = await fresh({ endpoint: via.endpoint }, prefix);
      await expect(store.put('_delta_log/00000000000000000003.json', 'mine', { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
      expect(new TextDecoder().decode(await other.get('_delta_log/00000000000000000003.json'))).toBe('theirs');
    } finally {
      await via.close();
    }
  });

  it('publishes a file from the threshold up as a resumable upload in chunks and removes the staged copy', async () => {
    const via = await proxy();
    try {
      const store = await fresh({ endpoint: via.endpoint, resumableThreshold: 512 * 1024, chunkSize: 256 * 1024 });
      const dir = await store.stagingDir();
      const file = path.join(dir, 'big.parquet');
      const content = randomBytes(3 * 256 * 1024 + 123);
      await writeFile(file, content);
      await store.publishLocal(file, 'data/big.parquet');
      expect(existsSync(file)).toBe(false);
      await store.discardStaging(dir);
      expect(via.seen.some((line) => line.startsWith('POST /upload/storage/v1/') && line.includes('uploadType=resumable'))).toBe(true);
      expect(Buffer.from(await store.get('data/big.parquet')).equals(content)).toBe(true);
      expect(Buffer.from(await store.getRange('data/big.parquet', 300_000, 10)).equals(content.subarray(300_000, 300_010))).toBe(true);
    } finally {
      await via.close();
    }
  });

  it('publishes a small staged file with one upload', async () => {
    const store = await fresh();
    const dir = await store.stagingDir();
    const file = path.join(dir, 'small.parquet');
    await writeFile(file, 'tiny');
    await store.publishLocal(file, 'data/small.parquet');
    expect(existsSync(file)).toBe(false);
    expect(new TextDecoder().decode(await store.get('data/small.parquet'))).toBe('tiny');
    await expect(store.publishLocal(file, 'data/again.parquet')).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
  });

  it('lists across pages in key order, from a start key', async () => {
    const store = await fresh({ listPageSize: 7 });
    const keys = Array.from({ length: 25 }, (_, i) => `_delta_log/${String(i).padStart(20, '0')}.json`);
    await Promise.all(keys.map((key) => store.put(key, '{}')));
    await store.put('_delta_log/_sidecars/a.parquet', 'x');
    expect((await store.list('_delta_log')).map((m) => m.path)).toEqual(keys);
    expect((await store.list('_delta_log', { startAfter: keys[19]! })).map((m) => m.path)).toEqual(keys.slice(20));
    expect(await store.list('_delta_log', { recursive: true })).toHaveLength(26);
  });

  it('reads no bytes past the end of an object, as a local read does', async () => {
    const store = await fresh();
    await store.put('short', 'abc');
    expect([...(await store.getRange('short', 10, 5))]).toEqual([]);
    expect(new TextDecoder().decode(await store.getRange('short', 1, 100))).toBe('bc');
  });

  it('hands DuckDB a cached local copy, downloaded once', async () => {
    const via = await proxy();
    try {
      const store = await fresh({ endpoint: via.endpoint });
      await store.put('data/f.parquet', 'abc');
      const first = await store.engineLocation('data/f.parquet');
      const downloads = (): number => via.seen.filter((line) => line.startsWith('GET') && line.includes('alt=media')).length;
      const before = downloads();
      expect(await store.engineLocation('data/f.parquet')).toBe(first);
      expect(downloads()).toBe(before);
      expect(await store.engineAccess()).toBeUndefined();
      await expect(store.engineLocation('data/missing.parquet')).rejects.toMatchObject({ code: 'STORAGE_NOT_FOUND' });
    } finally {
      await via.close();
    }
  });

  it('HEADs each object once when locating files for a read, and names a missing one by its URL', async () => {
    const via = await proxy();
    try {
      const store = await fresh({ endpoint: via.endpoint });
      await store.put('data/a.parquet', 'aaa');
      await store.put('data/b.parquet', 'bbbb');
      const keys = ['data/a.parquet', 'data/b.parquet', 'data/missing.parquet'];
      via.seen.length = 0;
      const locations = await store.immutableLocations(keys);
      expect(locations[2]).toBe(`${store.url}/data/missing.parquet`);
      expect(await readFile(locations[0]!, 'utf8')).toBe('aaa');
      expect(await readFile(locations[1]!, 'utf8')).toBe('bbbb');
      const heads = via.seen.filter((line) => line.startsWith('GET ') && !line.includes('alt=media'));
      for (const key of keys) expect(heads.filter((line) => line.includes(encodeURIComponent(`${store.keyPrefix}${key}`)))).toHaveLength(1);
      expect(heads).toHaveLength(keys.length);
    } finally {
      await via.close();
    }
  });

  it('answers a missing bucket with STORAGE_BUCKET_NOT_FOUND', async () => {
    const store = new GcsObjectStore(`gs://no-such-bucket-${randomUUID().slice(0, 8)}/t`, { endpoint: service().endpoint });
    await expect(store.list('_delta_log')).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
    await expect(store.put('x', 'y')).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
    expect(await store.head('x')).toBeUndefined();
  });

  it('finds the emulator from STORAGE_EMULATOR_HOST written as host:port', async () => {
    const saved = process.env['STORAGE_EMULATOR_HOST'];
    process.env['STORAGE_EMULATOR_HOST'] = new URL(service().endpoint).host;
    try {
      const store = openObjectStore(`gs://${bucket}/env-${randomUUID()}`);
      expect(store).toBeInstanceOf(GcsObjectStore);
      await store.put('hello.txt', 'from the environment');
      expect(new TextDecoder().decode(await store.get('hello.txt'))).toBe('from the environment');
    } finally {
      if (saved === undefined) delete process.env['STORAGE_EMULATOR_HOST'];
      else process.env['STORAGE_EMULATOR_HOST'] = saved;
    }
  });
});

describe('GcsObjectStore without a reachable service', () => {
  it('answers a refused connection, retried, with STORAGE_UNREACHABLE', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const store = new GcsObjectStore('gs://gone/t', { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    await expect(store.put('_delta_log/00000000000000000001.json', '{}', { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE_UNREACHABLE' });
    await expect(store.get('x')).rejects.toMatchObject({ code: 'STORAGE_UNREACHABLE' });
  }, 60_000);

  it('answers a missing credentials file with STORAGE_CREDENTIALS_MISSING', async () => {
    const names = ['GOOGLE_APPLICATION_CREDENTIALS', 'STORAGE_EMULATOR_HOST'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    process.env['GOOGLE_APPLICATION_CREDENTIALS'] = path.join(os.tmpdir(), `no-such-key-${randomUUID()}.json`);
    delete process.env['STORAGE_EMULATOR_HOST'];
    try {
      const store = new GcsObjectStore('gs://some-bucket/t', { maxAttempts: 1 });
      await expect(store.get('x')).rejects.toMatchObject({ code: 'STORAGE_CREDENTIALS_MISSING' });
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('refuses a location without a bucket', () => {
    expect(() => openObjectStore('gs://')).toThrow(expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }) as Error);
  });
});
