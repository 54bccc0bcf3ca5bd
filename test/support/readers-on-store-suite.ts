import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { duckdbExtensionDirectory } from './duckdb-extensions.js';
import { assertRead, referencePython, ReferenceReaders, type ReferenceReader } from './reference-readers.js';
import { readableFields, rowDifference } from './row-comparison.js';

/**
 * Whether the reference readers (delta-rs, Polars, and DuckDB's delta_scan where it can) read
 * the rows of a table Aquifer wrote on an object store, as Aquifer does. Each provider's file
 * (test/interop/s3-readers.test.ts, azure-readers.test.ts) calls `describeReadersOnStore` with
 * a fixture for its emulator and keeps only the tests particular to that provider.
 */

/** A new table prefix: Aquifer's store on it, and the URI the readers open. */
export interface ReaderTableLocation {
  readonly store: ObjectStore;
  readonly uri: string;
  /** Release the store's clients once the test is done with it. */
  close(): void;
}

/** One running emulator, as a provider's file starts it. */
export interface ReaderStoreFixture {
  /** A store on a fresh prefix named after `name`. */
  location(name: string): Promise<ReaderTableLocation>;
  /** storage_options for delta-rs and Polars. */
  readonly storageOptions: Record<string, string>;
  /** Give the engine's delta_scan access to `uri` (a DuckDB secret named after `name`); absent when it cannot read this store. */
  configureDeltaScan?: (engine: Engine, uri: string, name: string) => Promise<void>;
  stop(): Promise<void>;
}

export interface ReadersOnStoreContext<F extends ReaderStoreFixture> {
  readonly fixture: F;
  readonly engine: Engine;
  readonly readers: ReferenceReaders;
}

export interface ReadersOnStoreOptions<F extends ReaderStoreFixture> {
  /** Why the suite cannot run here (a missing emulator, extension or Python reader); undefined runs it. */
  skip?: string | undefined;
  /** Why DuckDB's delta_scan cannot read this store, if it cannot: the readers are then checked without it. */
  deltaScanUnsupported?: string;
  /** The provider's own tests, registered in the same block so they share its emulator. */
  specific?: (context: () => ReadersOnStoreContext<F>) => void;
}

/** Rows `from` until `to`: a BIGINT id, a partition `p0`..`p2`, an int and a string. */
const rows = (from: number, to: number): string =>
  `SELECT i::BIGINT AS id, 'p' || (i % 3) AS part, i * 2 AS v, 'row ' || i AS label FROM range(${from}, ${to}) t(i)`;

/**
 * Register, in a describe block called `name`, the reader scenarios against the fixture
 * `openStoreFixture` starts (before the block's tests; stopped after them), then the provider's own.
 */
export function describeReadersOnStore<F extends ReaderStoreFixture>(
  name: string,
  openStoreFixture: () => Promise<F>,
  options: ReadersOnStoreOptions<F>,
): void {
  describe.skipIf(options.skip !== undefined)(name, () => {
    let fixture: F | undefined;
    let engine: Engine | undefined;
    let readers: ReferenceReaders | undefined;

    beforeAll(async () => {
      fixture = await openStoreFixture();
      engine = await Engine.create({ threads: 2, extensionDirectory: duckdbExtensionDirectory() });
      readers = new ReferenceReaders(referencePython() as string, await mkdtemp(path.join(os.tmpdir(), 'aquifer-store-readers-')));
    }, 300_000);

    afterAll(async () => {
      engine?.close();
      await fixture?.stop();
    }, 120_000);

    const context = (): ReadersOnStoreContext<F> => {
      if (fixture === undefined || engine === undefined || readers === undefined) throw new Error(`${name}: the store did not start`);
      return { fixture, engine, readers };
    };

    const deltaScan = options.deltaScanUnsupported === undefined;
    const readersTitle = deltaScan ? 'delta-rs, Polars and DuckDB delta_scan' : 'delta-rs and Polars';
    const excused = deltaScan ? '' : `; not DuckDB's delta_scan: ${options.deltaScanUnsupported}`;

    /** The rows of Aquifer's scan of the latest version, against those of `relation` (a Parquet file or a delta_scan). */
    async function expectSameRows(table: DeltaTable, relation: string): Promise<void> {
      const { engine } = context();
      const snapshot = await table.snapshot();
      const difference = await rowDifference(engine, readableFields(snapshot), await (await table.scan()).sql(), relation);
      expect(difference, relation).toBeUndefined();
    }

    async function expectReaders(table: DeltaTable, uri: string, names: readonly ReferenceReader[]): Promise<void> {
      const { fixture, readers } = context();
      const version = (await table.snapshot()).version;
      for (const reader of names) {
        const read = await readers.read(uri, reader, { storageOptions: fixture.storageOptions });
        assertRead(read);
        expect(read.version, reader).toBe(version);
        await expectSameRows(table, `read_parquet('${read.output}')`);
      }
      if (deltaScan) await expectSameRows(table, `delta_scan('${uri}')`);
    }

    it.each([
      ['copy on write', false],
      ['deletion vectors', true],
    ])(
      `${readersTitle} read the same rows after appends, a checkpoint and a delete (%s; delta-rs pyarrow refuses the deletionVectors feature${excused})`,
      async (tableName, deletionVectors) => {
        const { fixture, engine, readers } = context();
        const { store, uri, close } = await fixture.location(tableName.replaceAll(' ', '-'));
        if (deltaScan) {
          if (fixture.configureDeltaScan === undefined)
            throw new Error(`${name}: the fixture gives delta_scan no access, and deltaScanUnsupported says no reason`);
          await fixture.configureDeltaScan(engine, uri, deletionVectors ? 'dv' : 'cow');
          await engine.ensureExtension('delta');
        }
        const { table } = await DeltaTable.create(store, {
          engine,
          data: { sql: rows(0, 3000) },
          partitionColumns: ['part'],
          properties: deletionVectors ? { 'delta.enableDeletionVectors': 'true' } : {},
        });
        for (let i = 1; i <= 3; i++) await table.append({ sql: rows(i * 3000, (i + 1) * 3000) });
        await table.checkpoint();
        await table.append({ sql: rows(12_000, 13_000) });
        // delta-rs 1.6.6's pyarrow path refuses the deletionVectors reader feature, whatever the store.
        const readerNames: ReferenceReader[] = deletionVectors ? ['deltalake-sql', 'polars'] : ['deltalake', 'deltalake-sql', 'polars'];
        await expectReaders(table, uri, readerNames);

        await table.delete('id % 7 = 0');
        expect((await table.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(deletionVectors);
        await expectReaders(table, uri, readerNames);
        if (deletionVectors) {
          const refused = await readers.read(uri, 'deltalake', { storageOptions: fixture.storageOptions });
          expect(refused).toMatchObject({ ok: false, stage: 'read-rows' });
          expect(refused.error).toMatch(/deletionVectors/);
        }
        close();
      },
      600_000,
    );

    options.specific?.(context);
  });
}
