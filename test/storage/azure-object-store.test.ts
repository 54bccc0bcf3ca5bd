import { BlobServiceClient } from '@azure/storage-blob';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AquiferError } from '../../src/errors.js';
import { AzureObjectStore, openObjectStore, parseAzureUri, type AzureStoreOptions } from '../../src/storage/index.js';
import { runObjectStoreContract } from '../contracts/object-store.contract.js';
import { azuriteAvailable, startAzurite, type AzuriteService } from '../support/services.js';

const azuriteReady = azuriteAvailable();

let azurite: AzuriteService | undefined;
let container = '';

beforeAll(async () => {
  if (!azuriteReady) return;
  azurite = await startAzurite();
  container = await azurite.createContainer();
}, 180_000);

afterAll(async () => {
  await azurite?.stop();
}, 120_000);

function service(): AzuriteService {
  if (azurite === undefined) throw new Error('Azurite did not start');
  return azurite;
}

/** A store on a fresh prefix of the test container, with its own read cache. */
async function fresh(options: AzureStoreOptions = {}, prefix = `t-${randomUUID()}`): Promise<AzureObjectStore> {
  return new AzureObjectStore(`az://${container}/${prefix}`, {
    connectionString: service().connectionString,
    cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-azure-cache-')) },
    ...options,
  });
}

/** Run `body` with these environment variables set (undefined: unset), restoring them after. */
async function withEnv(vars: Record<string, string | undefined>, body: () => Promise<void>): Promise<void> {
  const saved = Object.keys(vars).map((name) => [name, process.env[name]] as const);
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    await body();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * A proxy in front of Azurite that, for the first PUT whose path ends in `blob`, runs `action`
 * (after forwarding the request, or instead of it) and then drops the connection without an
 * answer: a response lost on the way back, which the SDK's retry policy retries.
 */
async function loseFirstPutResponse(
  blob: string,
  action: { forward: boolean; then?: () => Promise<void> },
): Promise<{ endpoint: string; fired(): boolean; close(): Promise<void> }> {
  const upstream = new URL(service().endpoint);
  let fired = false;
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = !fired && req.method === 'PUT' && (req.url ?? '').split('?')[0]?.endsWith(blob) === true;
      if (target) fired = true;
      const forward = (): Promise<void> =>
        new Promise((resolve, reject) => {
          const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => parts.push(chunk));
            answer.on('end', () => {
              if (!target) {
                res.writeHead(answer.statusCode ?? 500, answer.headers);
                res.end(Buffer.concat(parts));
              }
              resolve();
            });
          });
          out.on('error', reject);
          out.end(body);
        });
      void (async () => {
        if (!target || action.forward) await forward();
        if (target) {
          await action.then?.();
          req.socket.destroy();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${upstream.pathname}`,
    fired: () => fired,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

const NO_AZURE_ENV = { AZURE_STORAGE_CONNECTION_STRING: undefined, AZURE_STORAGE_ACCOUNT: undefined, AZURE_STORAGE_KEY: undefined };

runObjectStoreContract('AzureObjectStore on Azurite', () => fresh(), azuriteReady ? {} : { skip: 'Azurite is not installed' });

describe('parseAzureUri', () => {
  it('reads az://container/prefix, dropping slashes at the ends', () => {
    expect(parseAzureUri('az://lake/tables/x/')).toEqual({ container: 'lake', prefix: 'tables/x' });
    expect(parseAzureUri('az://lake')).toEqual({ container: 'lake', prefix: '' });
  });

  it('reads the container and account of abfss://container@account.dfs.core.windows.net/prefix', () => {
    expect(parseAzureUri('abfss://lake@myaccount.dfs.core.windows.net/tables/x')).toEqual({ container: 'lake', prefix: 'tables/x', account: 'myaccount' });
    expect(parseAzureUri('abfs://lake@myaccount.blob.core.windows.net')).toEqual({ container: 'lake', prefix: '', account: 'myaccount' });
  });

  it('refuses container names Azure would refuse with STORAGE_LOCATION_INVALID', () => {
    for (const uri of ['az://', 'az://ab/x', 'az://Upper/x', 'az://a--b/x', 'abfss://lake/x']) {
      expect(() => parseAzureUri(uri), uri).toThrow(expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }));
    }
  });
});

describe('AzureObjectStore configuration', () => {
  it('opens az:// and abfss:// locations through openObjectStore, with the account from the abfss host', async () => {
    await withEnv(NO_AZURE_ENV, async () => {
      const key = randomBytes(32).toString('base64');
      const az = openObjectStore('az://lake/t', { azure: { accountName: 'acct', accountKey: key } });
      expect(az).toBeInstanceOf(AzureObjectStore);
      expect(az.url).toBe('az://lake/t');
      const abfss = openObjectStore('abfss://lake@other.dfs.core.windows.net/t/', { azure: { accountKey: key } }) as AzureObjectStore;
      expect(abfss.url).toBe('az://lake/t');
      expect(abfss.account).toBe('other');
      expect(abfss.engineLocation('_delta_log/0.json')).toBe('az://lake/t/_delta_log/0.json');
      await Promise.resolve();
    });
  });

  it('refuses to open without credentials with STORAGE_CREDENTIALS_MISSING', async () => {
    await withEnv(NO_AZURE_ENV, async () => {
      expect(() => new AzureObjectStore('az://lake/t')).toThrow(expect.objectContaining({ code: 'STORAGE_CREDENTIALS_MISSING' }));
      expect(() => new AzureObjectStore('az://lake/t', { accountName: 'acct' })).toThrow(expect.objectContaining({ code: 'STORAGE_CREDENTIALS_MISSING' }));
      await Promise.resolve();
    });
  });

  it('refuses a connection string for another account than the abfss location names', async () => {
    await withEnv(NO_AZURE_ENV, async () => {
      const connectionString = `DefaultEndpointsProtocol=https;AccountName=one;AccountKey=${randomBytes(32).toString('base64')};EndpointSuffix=core.windows.net`;
      expect(() => new AzureObjectStore('abfss://lake@two.dfs.core.windows.net/t', { connectionString })).toThrow(
        expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }),
      );
      await Promise.resolve();
    });
  });

  it('answers an endpoint where nothing listens with STORAGE_UNREACHABLE after its retries', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const store = new AzureObjectStore('az://lake/t', {
      accountName: 'acct',
      accountKey: randomBytes(32).toString('base64'),
      endpoint: `http://127.0.0.1:${port}/acct`,
      maxAttempts: 2,
    });
    await expect(store.get('x')).rejects.toMatchObject({ code: 'STORAGE_UNREACHABLE' });
  }, 60_000);
});

describe.skipIf(!azuriteReady)('AzureObjectStore on Azurite', () => {
  it('takes credentials from AZURE_STORAGE_CONNECTION_STRING', async () => {
    await withEnv({ ...NO_AZURE_ENV, AZURE_STORAGE_CONNECTION_STRING: service().connectionString }, async () => {
      const store = openObjectStore(`az://${container}/env-${randomUUID()}`);
      await store.put('a.txt', 'from env');
      expect(new TextDecoder().decode(await store.get('a.txt'))).toBe('from env');
    });
  });

  it('takes AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY with a configured endpoint', async () => {
    const { accountName, accountKey, endpoint } = service();
    await withEnv({ ...NO_AZURE_ENV, AZURE_STORAGE_ACCOUNT: accountName, AZURE_STORAGE_KEY: accountKey }, async () => {
      const store = openObjectStore(`az://${container}/env-${randomUUID()}`, { azure: { endpoint } });
      await store.put('b.txt', 'account and key');
      expect((await store.head('b.txt'))?.size).toBe(15);
    });
  });

  it('answers a wrong key with STORAGE_ACCESS_DENIED and never shows the key', async () => {
    const { accountName, endpoint } = service();
    const wrongKey = randomBytes(32).toString('base64');
    const store = new AzureObjectStore(`az://${container}/t`, { accountName, accountKey: wrongKey, endpoint, maxAttempts: 1 });
    const error = await store.get('x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AquiferError);
    expect(error).toMatchObject({ code: 'STORAGE_ACCESS_DENIED' });
    const shown = JSON.stringify({ message: (error as AquiferError).message, hint: (error as AquiferError).hint, value: (error as AquiferError).value });
    expect(shown).not.toContain(wrongKey);
    expect(shown).not.toContain(service().accountKey);
  });

  it('answers a missing container with STORAGE_BUCKET_NOT_FOUND', async () => {
    const store = new AzureObjectStore(`az://missing-${randomUUID().slice(0, 8)}/t`, { connectionString: service().connectionString });
    await expect(store.list('')).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
    await expect(store.put('x', 'y')).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
  });

  it('lists after a start key across pages, skipping what sorts before it', async () => {
    const store = await fresh({ listPageSize: 2 });
    const names = Array.from({ length: 7 }, (_, i) => `_delta_log/${String(i).padStart(20, '0')}.json`);
    for (const name of names) await store.put(name, name);
    await store.put('_delta_log/_last_checkpoint', '{}');
    const after = await store.list('_delta_log', { startAfter: names[3] ?? '' });
    expect(after.map((m) => m.path)).toEqual([...names.slice(4), '_delta_log/_last_checkpoint']);
    expect((await store.list('_delta_log')).length).toBe(8);
  });

  it('reads no bytes past the end of a blob', async () => {
    const store = await fresh();
    await store.put('short', 'abc');
    expect([...(await store.getRange('short', 10, 5))]).toEqual([]);
    expect(new TextDecoder().decode(await store.getRange('short', 1, 100))).toBe('bc');
  });

  it('counts a put-if-absent whose bytes are already there as its own write (a retry after a lost response)', async () => {
    const store = await fresh();
    await store.put('_delta_log/00000000000000000001.json', 'commit one');
    await store.put('_delta_log/00000000000000000001.json', 'commit one', { ifAbsent: true });
    await expect(store.put('_delta_log/00000000000000000001.json', 'another commit', { ifAbsent: true })).rejects.toMatchObject({
      code: 'STORAGE_ALREADY_EXISTS',
    });
  });

  it('treats a retried put-if-absent refused by its own lost first write as success', async () => {
    const prefix = `t-${randomUUID()}`;
    const proxy = await loseFirstPutResponse(`${prefix}/_delta_log/00000000000000000001.json`, { forward: true });
    try {
      const { accountName, accountKey } = service();
      const store = new AzureObjectStore(`az://${container}/${prefix}`, { accountName, accountKey, endpoint: proxy.endpoint });
      await store.put('_delta_log/00000000000000000001.json', 'our commit', { ifAbsent: true });
      expect(proxy.fired()).toBe(true);
      expect(new TextDecoder().decode(await store.get('_delta_log/00000000000000000001.json'))).toBe('our commit');
    } finally {
      await proxy.close();
    }
  });

  it('treats a retried put-if-absent refused by another writer as a lost race', async () => {
    const prefix = `t-${randomUUID()}`;
    const other = await fresh({}, prefix);
    const proxy = await loseFirstPutResponse(`${prefix}/_delta_log/00000000000000000001.json`, {
      forward: false,
      then: () => other.put('_delta_log/00000000000000000001.json', 'their commit', { ifAbsent: true }),
    });
    try {
      const { accountName, accountKey } = service();
      const store = new AzureObjectStore(`az://${container}/${prefix}`, { accountName, accountKey, endpoint: proxy.endpoint });
      await expect(store.put('_delta_log/00000000000000000001.json', 'our commit', { ifAbsent: true })).rejects.toMatchObject({
        code: 'STORAGE_ALREADY_EXISTS',
      });
      expect(new TextDecoder().decode(await other.get('_delta_log/00000000000000000001.json'))).toBe('their commit');
    } finally {
      await proxy.close();
    }
  });

  it('publishes a large staged file as committed blocks, and removes the local copy', async () => {
    const blockSize = 1024 * 1024;
    const store = await fresh({ blockSize, singleUploadThreshold: blockSize, blockConcurrency: 2 });
    const dir = await store.stagingDir();
    const file = path.join(dir, 'big.parquet');
    const bytes = randomBytes(3 * blockSize + 12_345);
    await writeFile(file, bytes);
    await store.publishLocal(file, 'data/big.parquet');
    expect(existsSync(file)).toBe(false);
    expect(Buffer.from(await store.get('data/big.parquet')).equals(bytes)).toBe(true);
    const blob = BlobServiceClient.fromConnectionString(service().connectionString)
      .getContainerClient(container)
      .getBlockBlobClient(`${store.keyPrefix}data/big.parquet`);
    const blocks = await blob.getBlockList('committed');
    expect(blocks.committedBlocks?.length).toBe(4);
    await store.discardStaging(dir);
  });

  it('publishes a small staged file in one request', async () => {
    const store = await fresh();
    const dir = await store.stagingDir();
    const file = path.join(dir, 'small.parquet');
    await writeFile(file, 'tiny');
    await store.publishLocal(file, 'data/small.parquet');
    const blob = BlobServiceClient.fromConnectionString(service().connectionString)
      .getContainerClient(container)
      .getBlockBlobClient(`${store.keyPrefix}data/small.parquet`);
    expect((await blob.getBlockList('committed')).committedBlocks ?? []).toEqual([]);
    await store.discardStaging(dir);
  });

  it('hands DuckDB a connection string scoped to the store root', async () => {
    const store = await fresh({}, 'scoped/root');
    const access = await store.engineAccess();
    expect(access).toEqual({ kind: 'azure', scope: `az://${container}/scoped/root/`, connectionString: service().connectionString });
  });
});
