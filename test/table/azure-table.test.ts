import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { AzureObjectStore } from '../../src/storage/index.js';
import { DeltaTable, type OpenOptions } from '../../src/table/index.js';
import { duckdbExtensionDirectory, duckdbExtensionFile } from '../support/duckdb-extensions.js';
import { azuriteAvailable, startAzurite, type AzuriteService } from '../support/services.js';
import { available } from '../support/shared.js';
import { existsSync } from 'node:fs';

const azuriteReady = azuriteAvailable();
const azureExtensionFile = await duckdbExtensionFile(duckdbExtensionDirectory(), 'azure');
const azureExtensionReady = available(
  `DuckDB's azure extension at ${azureExtensionFile} (run bash scripts/duckdb-extensions.sh)`,
  existsSync(azureExtensionFile),
);
const ready = azuriteReady && azureExtensionReady;

let azurite: AzuriteService | undefined;
let container = '';
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ extensionDirectory: duckdbExtensionDirectory() });
  if (!ready) return;
  azurite = await startAzurite();
  container = await azurite.createContainer();
}, 180_000);

afterAll(async () => {
  await azurite?.stop();
}, 120_000);

/** `cacheReadShare: 0` keeps scans off the read cache, so DuckDB reads the container itself. */
function azureOptions(options: { cacheReadShare?: number } = {}): OpenOptions {
  if (azurite === undefined) throw new Error('Azurite did not start');
  return {
    engine,
    azure: { connectionString: azurite.connectionString, cache: { dir: path.join(os.tmpdir(), `aquifer-azure-cache-${randomUUID()}`) }, ...options },
  };
}

const azureLocation = (): string => `az://${container}/tables/${randomUUID()}`;
const localLocation = async (): Promise<string> => path.join(await mkdtemp(path.join(os.tmpdir(), 'aquifer-azure-local-')), 't');

const rows = (from: number, to: number): { sql: string } => ({
  sql: `SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, i * 10 AS amount FROM range(${from}, ${to}) t(i)`,
});

async function read(table: DeltaTable, options: Parameters<DeltaTable['scan']>[0] = {}): Promise<unknown[]> {
  const sql = await (await table.scan(options)).sql();
  return engine.query(`SELECT * FROM (${sql}) ORDER BY ALL`);
}

/** Writes, time travel, DML and maintenance in turn, returning what each read saw, so an Azure and a local table can be compared. */
async function lifeOfATable(location: string, options: OpenOptions): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const { table } = await DeltaTable.create(location, {
    ...options,
    data: rows(0, 20),
    partitionColumns: ['region'],
    properties: { 'delta.enableDeletionVectors': 'true', 'delta.enableChangeDataFeed': 'true' },
  });
  seen['created'] = await read(table);
  await table.append(rows(20, 40));
  seen['appended'] = await read(table);
  seen['time travel v0'] = await read(table, { version: 0 });
  const deleted = await table.delete('id % 3 = 0');
  seen['deleted'] = await read(table);
  seen['delete used deletion vectors'] = deleted.deletionVectorsAdded > 0;
  await table.update({ set: { amount: 'amount + 1' }, where: 'id < 10' });
  seen['updated'] = await read(table);
  await table.checkpoint();
  const reopened = await DeltaTable.open(location, options);
  seen['reloaded after checkpoint'] = await read(reopened);
  seen['reloaded version'] = (await reopened.snapshot()).version;
  seen['time travel v1 after checkpoint'] = await read(reopened, { version: 1 });
  const changes = await table.changes({ from: 2 });
  seen['changes'] = await engine.query(`SELECT * EXCLUDE (_commit_timestamp) FROM (${changes.sql}) ORDER BY ALL`);
  await table.overwrite(rows(0, 5));
  seen['overwritten'] = await read(table);
  const vacuumed = await table.vacuum({ retentionHours: 0, force: true });
  seen['vacuumed files'] = vacuumed.files.length;
  seen['after vacuum'] = await read(table);
  seen['history'] = (await table.history()).map((h) => h.operation);
  return seen;
}

describe.skipIf(!ready)('Delta tables on Azure Blob (Azurite)', () => {
  it('create, append, time travel, DML with deletion vectors, checkpoint, CDF, overwrite and vacuum give the same rows as a local table', async () => {
    const onAzure = await lifeOfATable(azureLocation(), azureOptions());
    const onDisk = await lifeOfATable(await localLocation(), { engine });
    expect(onAzure).toEqual(onDisk);
    expect(onAzure['created']).toHaveLength(20);
    expect(onAzure['time travel v0']).toEqual(onAzure['created']);
    expect(onAzure['delete used deletion vectors']).toBe(true);
    expect(onAzure['vacuumed files']).toBeGreaterThan(0);
  }, 300_000);

  it('scans the data files in Azure through DuckDB itself when the read cache is off', async () => {
    const location = azureLocation();
    const { table } = await DeltaTable.create(location, { ...azureOptions({ cacheReadShare: 0 }), data: rows(0, 10) });
    const sql = await (await table.scan()).sql();
    expect(sql).toContain(`'${location}/`);
    expect(await read(table)).toHaveLength(10);
    const store = table.store as AzureObjectStore;
    await expect(readdir(store.cache.dir)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);

  it('lands every batch of writers appending to one table at once exactly once, in contiguous versions', async () => {
    const location = azureLocation();
    await DeltaTable.create(location, { ...azureOptions(), data: { sql: 'SELECT -1 AS writer, -1 AS batch' } });
    const writers = 4;
    const batches = 5;
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        // Each writer its own handle (and store), so the commits race through put-if-absent.
        const table = await DeltaTable.open(location, azureOptions());
        for (let batch = 0; batch < batches; batch++) await table.append({ sql: `SELECT ${writer} AS writer, ${batch} AS batch` });
      }),
    );
    const table = await DeltaTable.open(location, azureOptions());
    expect((await table.snapshot()).version).toBe(writers * batches);
    const history = await table.history();
    expect(history.map((h) => h.version).sort((a, b) => a - b)).toEqual(Array.from({ length: writers * batches + 1 }, (_, i) => i));
    const landed = await engine.query(`SELECT writer, batch, count(*)::INTEGER AS n FROM (${await (await table.scan()).sql()}) WHERE writer >= 0 GROUP BY ALL`);
    expect(landed).toHaveLength(writers * batches);
    expect(landed.every((row) => row['n'] === 1)).toBe(true);
  }, 300_000);

  it('keeps the account key out of a failing DuckDB read of the container', async () => {
    const location = azureLocation();
    const { table } = await DeltaTable.create(location, { ...azureOptions({ cacheReadShare: 0 }), data: rows(0, 3) });
    const sql = await (await table.scan()).sql();
    const file = (await table.snapshot()).files[0]?.path ?? '';
    await table.store.delete(decodeURIComponent(file));
    const error = await engine.query(sql).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const shown = JSON.stringify({ message: (error as Error).message, ...(error as object) });
    expect(shown).not.toContain(azurite?.accountKey ?? 'no key');
  }, 120_000);

  it('fails with STORAGE_BUCKET_NOT_FOUND for a container that does not exist', async () => {
    const table = await DeltaTable.open(`az://no-such-container-${randomUUID().slice(0, 8)}/t`, azureOptions());
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
  }, 120_000);
});
