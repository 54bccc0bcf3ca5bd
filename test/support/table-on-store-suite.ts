import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { ObjectStore, ReadCache } from '../../src/storage/index.js';
import { DeltaTable, type OpenOptions } from '../../src/table/index.js';
import { duckdbExtensionDirectory } from './duckdb-extensions.js';

/**
 * The Delta table scenarios every object-store provider must pass, compared where it matters
 * with the same sequence on a local folder. Each provider's test file (test/table/s3-table.test.ts,
 * gcs-table.test.ts, azure-table.test.ts) calls `describeTableOnStore` with a fixture for its
 * emulator and adds only what is particular to that provider, so a scenario is written once
 * and a provider cannot quietly fall behind the others.
 */

export interface StoreSettings {
  /** The share of the read cache one scan may fill; 0 keeps scans off it, so DuckDB reads the bucket itself. */
  cacheReadShare?: number;
}

/** One running emulator with a bucket (or container) in it, as a provider's file starts it. */
export interface TableStoreFixture {
  /** A new, unique table location in the bucket. */
  location(): string;
  /** The provider's part of OpenOptions, with a read cache of its own on every call. */
  options(settings?: StoreSettings): Omit<OpenOptions, 'engine'>;
  /** A location in a bucket (container) that does not exist. */
  missingBucketLocation(): string;
  stop(): Promise<void>;
}

/** The scenarios of the suite a provider may be excused from, each with the reason. */
export type TableOnStoreScenario = 'engine-reads-the-bucket';

export interface TableOnStoreOptions<F extends TableStoreFixture> {
  /** Why the whole suite cannot run here (a missing emulator or extension); undefined runs it. */
  skip?: string | undefined;
  /** The store class a table at `fixture.location()` opens. */
  storeClass: abstract new (...args: never[]) => ObjectStore;
  /** Scenarios this provider cannot honour, with why. */
  unsupported?: Partial<Record<TableOnStoreScenario, string>>;
  /** The provider's own tests, registered in the same block so they share its emulator. */
  specific?: (context: () => TableOnStoreContext<F>) => void;
}

/** What a test sees: the fixture, an engine, and the helpers every scenario reads with. */
export interface TableOnStoreContext<F extends TableStoreFixture> {
  readonly fixture: F;
  readonly engine: Engine;
  /** OpenOptions for the provider, with the engine. */
  options(settings?: StoreSettings): OpenOptions;
  location(): string;
  /** The rows a scan sees, in a stable order. */
  read(table: DeltaTable, scan?: Parameters<DeltaTable['scan']>[0]): Promise<unknown[]>;
}

/** Rows `from` until `to`: id, a partition value (`eu` for even ids, `us` for odd) and an amount. */
export const storeRows = (from: number, to: number): { sql: string } => ({
  sql: `SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, i * 10 AS amount FROM range(${from}, ${to}) t(i)`,
});

const rows = storeRows;

async function read(engine: Engine, table: DeltaTable, scan: Parameters<DeltaTable['scan']>[0] = {}): Promise<unknown[]> {
  const sql = await (await table.scan(scan)).sql();
  return engine.query(`SELECT * FROM (${sql}) ORDER BY ALL`);
}

const commitName = (version: number): string => `_delta_log/${String(version).padStart(20, '0')}.json`;

/**
 * Every table operation in turn, returning what each read saw, so a table on the store and one
 * on the local disk can be compared: create, append, time travel, schema evolution, delete with
 * deletion vectors, update, merge, checkpoint and reload, the change data feed, overwrite, vacuum.
 */
async function lifeOfATable(engine: Engine, location: string, options: OpenOptions): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const { table } = await DeltaTable.create(location, {
    ...options,
    data: rows(0, 20),
    partitionColumns: ['region'],
    properties: { 'delta.enableDeletionVectors': 'true', 'delta.enableChangeDataFeed': 'true' },
  });
  seen['created'] = await read(engine, table);
  await table.append(rows(20, 40));
  seen['appended'] = await read(engine, table);
  seen['time travel v0'] = await read(engine, table, { version: 0 });
  await table.append({ sql: `SELECT 100 AS id, 'eu' AS region, 1000 AS amount, 'new column' AS note` }, { mergeSchema: true });
  seen['schema evolved'] = await read(engine, table);
  const deleted = await table.delete('id % 3 = 0');
  seen['deleted'] = await read(engine, table);
  seen['delete used deletion vectors'] = deleted.deletionVectorsAdded > 0;
  await table.update({ set: { amount: 'amount + 1' }, where: 'id < 10' });
  seen['updated'] = await read(engine, table);
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
  seen['merged'] = await read(engine, table);
  await table.checkpoint();
  const reopened = await DeltaTable.open(location, options);
  seen['reloaded after checkpoint'] = await read(engine, reopened);
  seen['reloaded version'] = (await reopened.snapshot()).version;
  // Versions before the checkpoint are replayed from the commits, not from the checkpoint.
  seen['time travel v1 after checkpoint'] = await read(engine, reopened, { version: 1 });
  const changes = await table.changes({ from: 3 });
  seen['changes'] = await engine.query(`SELECT * EXCLUDE (_commit_timestamp) FROM (${changes.sql}) ORDER BY ALL`);
  await table.overwrite(rows(0, 5));
  seen['overwritten'] = await read(engine, table);
  const vacuumed = await table.vacuum({ retentionHours: 0, force: true });
  seen['vacuumed files'] = vacuumed.files.length;
  seen['after vacuum'] = await read(engine, table);
  seen['history'] = (await table.history()).map((h) => h.operation);
  return seen;
}

function readCacheOf(store: ObjectStore): ReadCache {
  if (!('cache' in store)) throw new Error(`${store.constructor.name} has no read cache`);
  return (store as ObjectStore & { cache: ReadCache }).cache;
}

/**
 * Register, in a describe block called `name`, the shared table scenarios against the fixture
 * `openStoreFixture` starts (before the block's tests; stopped after them), then the provider's own.
 */
export function describeTableOnStore<F extends TableStoreFixture>(name: string, openStoreFixture: () => Promise<F>, options: TableOnStoreOptions<F>): void {
  describe.skipIf(options.skip !== undefined)(name, () => {
    let fixture: F | undefined;
    let engine: Engine | undefined;

    beforeAll(async () => {
      engine = await Engine.create({ extensionDirectory: duckdbExtensionDirectory() });
      fixture = await openStoreFixture();
    }, 300_000);

    afterAll(async () => {
      await fixture?.stop();
      engine?.close();
    }, 120_000);

    const context = (): TableOnStoreContext<F> => {
      if (fixture === undefined || engine === undefined) throw new Error(`${name}: the store did not start`);
      const started = fixture;
      const db = engine;
      return {
        fixture: started,
        engine: db,
        options: (settings) => ({ ...started.options(settings), engine: db }),
        location: () => started.location(),
        read: (table, scan) => read(db, table, scan),
      };
    };

    /** A scenario the provider is excused from is skipped, and its title says why. */
    const scenario = (id: TableOnStoreScenario, title: string): [string, boolean] => {
      const reason = options.unsupported?.[id];
      return reason === undefined ? [title, false] : [`${title} (not on this store: ${reason})`, true];
    };

    it('create, append, time travel, schema evolution, DML with deletion vectors, checkpoint, CDF, overwrite and vacuum give the same rows as a local table', async () => {
      const { engine, options: storeOptions, location } = context();
      const onStoreLocation = location();
      const onStore = await lifeOfATable(engine, onStoreLocation, storeOptions());
      const onDisk = await lifeOfATable(engine, path.join(await mkdtemp(path.join(os.tmpdir(), 'aquifer-store-local-')), 't'), { engine });
      expect(onStore).toEqual(onDisk);
      expect(onStore['created']).toHaveLength(20);
      expect(onStore['time travel v0']).toEqual(onStore['created']);
      expect(onStore['appended']).toHaveLength(40);
      expect(onStore['delete used deletion vectors']).toBe(true);
      expect(onStore['vacuumed files']).toBeGreaterThan(0);
      expect(onStore['changes']).not.toEqual([]);
      expect(onStore['reloaded after checkpoint']).toEqual(onStore['merged']);
      // The merge is version 5, so the checkpoint is written there, in the store's own log.
      const log = await (await DeltaTable.open(onStoreLocation, storeOptions())).store.list('_delta_log');
      expect(log.map((m) => m.path)).toContain('_delta_log/00000000000000000005.checkpoint.parquet');
    }, 300_000);

    const [engineReadsTitle, engineReadsSkipped] = scenario(
      'engine-reads-the-bucket',
      'scans the data files in the bucket through DuckDB itself when the read cache has no room for them',
    );
    it.skipIf(engineReadsSkipped)(
      engineReadsTitle,
      async () => {
        const { options: storeOptions, location: newLocation, read } = context();
        const location = newLocation();
        const { table } = await DeltaTable.create(location, { ...storeOptions({ cacheReadShare: 0 }), data: rows(0, 10) });
        const sql = await (await table.scan()).sql();
        expect(sql).toContain(`'${location}/`);
        expect(await read(table)).toHaveLength(10);
        // Nothing was downloaded into the read cache.
        await expect(readdir(readCacheOf(table.store).dir)).rejects.toMatchObject({ code: 'ENOENT' });
      },
      120_000,
    );

    it('plans a partition-filtered scan over the matching files only', async () => {
      const { options: storeOptions, location, read } = context();
      const { table } = await DeltaTable.create(location(), { ...storeOptions(), data: rows(0, 10), partitionColumns: ['region'] });
      await table.append(rows(10, 20));
      const plan = await (await table.scan({ where: "region = 'eu'" })).plan();
      expect(plan.totalFiles).toBe(4);
      expect(plan.files.map((f) => decodeURIComponent(f.path).split('/')[0])).toEqual(['region=eu', 'region=eu']);
      expect(await read(table, { where: "region = 'eu'" })).toHaveLength(10);
    }, 120_000);

    it('shows a reader every commit another writer makes: the log tail is never served from a cache', async () => {
      const { options: storeOptions, location: newLocation, read } = context();
      const location = newLocation();
      const { table: writer } = await DeltaTable.create(location, { ...storeOptions(), data: rows(0, 2) });
      const reader = await DeltaTable.open(location, storeOptions());
      expect(await read(reader)).toHaveLength(2);
      await writer.append(rows(2, 4));
      await writer.checkpoint();
      await writer.append(rows(4, 6));
      expect((await reader.snapshot()).version).toBe(2);
      expect(await read(reader)).toHaveLength(6);
    }, 120_000);

    it('reads partitions whose values need escaping (spaces, %, =, non-ASCII)', async () => {
      const { options: storeOptions, location, read } = context();
      const { table } = await DeltaTable.create(location(), {
        ...storeOptions(),
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

    it('lands every batch of writers appending to one table at once exactly once, in contiguous versions', async () => {
      const { engine, options: storeOptions, location: newLocation } = context();
      const location = newLocation();
      await DeltaTable.create(location, { ...storeOptions(), data: { sql: 'SELECT -1 AS writer, -1 AS batch' } });
      const writers = 4;
      const batches = 5;
      const versions = writers * batches + 1;
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          // Each writer its own handle (own store, clients and cache), as separate processes would
          // have, so the commits race through put-if-absent.
          const table = await DeltaTable.open(location, storeOptions());
          for (let batch = 0; batch < batches; batch++) await table.append({ sql: `SELECT ${writer} AS writer, ${batch} AS batch` });
        }),
      );
      const table = await DeltaTable.open(location, storeOptions());
      expect(table.store).toBeInstanceOf(options.storeClass);
      expect((await table.snapshot()).version).toBe(writers * batches);
      const commits = (await table.store.list('_delta_log')).filter((m) => m.path.endsWith('.json')).map((m) => m.path);
      expect(commits).toEqual(Array.from({ length: versions }, (_, v) => commitName(v)));
      const history = await table.history();
      expect(history.map((h) => h.version).sort((a, b) => a - b)).toEqual(Array.from({ length: versions }, (_, v) => v));
      const sql = await (await table.scan()).sql();
      const landed = await engine.query(`SELECT * FROM (${sql})`);
      expect(landed).toHaveLength(versions);
      expect(new Set(landed.map((r) => JSON.stringify(r))).size).toBe(versions);
      const perBatch = await engine.query(`SELECT writer, batch, count(*)::INTEGER AS n FROM (${sql}) WHERE writer >= 0 GROUP BY ALL`);
      expect(perBatch).toHaveLength(writers * batches);
      expect(perBatch.every((row) => row['n'] === 1)).toBe(true);
    }, 300_000);

    it('fails with STORAGE_BUCKET_NOT_FOUND for a bucket (container) that does not exist', async () => {
      const { fixture, options: storeOptions } = context();
      const table = await DeltaTable.open(fixture.missingBucketLocation(), storeOptions());
      await expect(table.snapshot()).rejects.toMatchObject({ code: 'STORAGE_BUCKET_NOT_FOUND' });
    }, 120_000);

    options.specific?.(context);
  });
}
