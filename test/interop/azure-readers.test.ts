import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { AzureObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { deltaExtensionAvailable, duckdbExtensionDirectory, duckdbExtensionFile } from '../support/duckdb-extensions.js';
import { assertRead, referencePython, referenceReadersAvailable, ReferenceReaders, type ReferenceReader } from '../support/reference-readers.js';
import { readableFields, rowDifference } from '../support/row-comparison.js';
import { azuriteAvailable, startAzurite, type AzuriteService } from '../support/services.js';
import { available } from '../support/shared.js';

const azureExtension = await duckdbExtensionFile(duckdbExtensionDirectory(), 'azure');
const ready =
  azuriteAvailable() &&
  referenceReadersAvailable() &&
  (await deltaExtensionAvailable()) &&
  available(`DuckDB's azure extension at ${azureExtension} (run bash scripts/duckdb-extensions.sh)`, existsSync(azureExtension));

/** What delta-rs (object_store) and Polars need for Azurite: the account, its key and the path-style endpoint over plain HTTP. */
function deltaRsStorageOptions(azurite: AzuriteService): Record<string, string> {
  return { account_name: azurite.accountName, account_key: azurite.accountKey, endpoint: azurite.endpoint, allow_http: 'true' };
}

describe.skipIf(!ready)('reference readers on a table Aquifer wrote in Azurite', () => {
  let azurite: AzuriteService;
  let engine: Engine;
  let readers: ReferenceReaders;
  let container: string;
  beforeAll(async () => {
    azurite = await startAzurite();
    container = await azurite.createContainer();
    engine = await Engine.create({ threads: 2, extensionDirectory: duckdbExtensionDirectory() });
    readers = new ReferenceReaders(referencePython() as string, await mkdtemp(path.join(os.tmpdir(), 'aquifer-azure-readers-')));
  }, 180_000);
  afterAll(async () => {
    engine?.close();
    await azurite?.stop();
  }, 120_000);

  async function expectSameRows(table: DeltaTable, relation: string): Promise<void> {
    const snapshot = await table.snapshot();
    const difference = await rowDifference(engine, readableFields(snapshot), await (await table.scan()).sql(), relation);
    expect(difference, relation).toBeUndefined();
  }

  async function expectReaders(table: DeltaTable, uri: string, names: readonly ReferenceReader[]): Promise<void> {
    const version = (await table.snapshot()).version;
    for (const reader of names) {
      const read = await readers.read(uri, reader, { storageOptions: deltaRsStorageOptions(azurite) });
      assertRead(read);
      expect(read.version, reader).toBe(version);
      await expectSameRows(table, `read_parquet('${read.output}')`);
    }
  }

  it.each([
    ['copy on write', false],
    ['deletion vectors', true],
  ])(
    'delta-rs and Polars read the same rows after appends, a checkpoint and a delete (%s)',
    async (name, deletionVectors) => {
      const prefix = `tables/${name.replaceAll(' ', '-')}`;
      const uri = `az://${container}/${prefix}`;
      const store = new AzureObjectStore(uri, { connectionString: azurite.connectionString });
      const rows = (from: number, to: number) =>
        `SELECT i::BIGINT AS id, 'p' || (i % 3) AS part, i * 2 AS v, 'row ' || i AS label FROM range(${from}, ${to}) t(i)`;
      const { table } = await DeltaTable.create(store, {
        engine,
        data: { sql: rows(0, 3000) },
        partitionColumns: ['part'],
        properties: deletionVectors ? { 'delta.enableDeletionVectors': 'true' } : {},
      });
      for (let i = 1; i <= 3; i++) await table.append({ sql: rows(i * 3000, (i + 1) * 3000) });
      await table.checkpoint();
      await table.append({ sql: rows(12_000, 13_000) });
      // delta-rs 1.6.6's pyarrow path refuses the deletionVectors reader feature (as on S3).
      const readerNames: ReferenceReader[] = deletionVectors ? ['deltalake-sql', 'polars'] : ['deltalake', 'deltalake-sql', 'polars'];
      await expectReaders(table, uri, readerNames);
      await table.delete('id % 7 = 0');
      expect((await table.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(deletionVectors);
      await expectReaders(table, uri, readerNames);
    },
    600_000,
  );

  // delta-rs 1.6.6 on Azurite fails any commit after version 1 (append or delete) with "Invalid
  // table version: 1" (not investigated; docs/storage.md), so it writes a create and one append here.
  it('reads what delta-rs writes to Azurite (a create and an append), at each version', async () => {
    const uri = `az://${container}/tables/from-delta-rs`;
    const script = [
      'import json, sys',
      'import pyarrow as pa',
      'from deltalake import DeltaTable, write_deltalake',
      'uri, options = sys.argv[1], json.loads(sys.argv[2])',
      "write_deltalake(uri, pa.table({'id': list(range(0, 50)), 'label': [f'r{i}' for i in range(0, 50)]}), storage_options=options)",
      "write_deltalake(uri, pa.table({'id': list(range(50, 80)), 'label': [f'r{i}' for i in range(50, 80)]}), mode='append', storage_options=options)",
    ].join('\n');
    await promisify(execFile)(referencePython() as string, ['-c', script, uri, JSON.stringify(deltaRsStorageOptions(azurite))], { timeout: 300_000 });
    const table = await DeltaTable.open(uri, { engine, azure: { connectionString: azurite.connectionString } });
    expect((await table.snapshot()).version).toBe(1);
    const sql = await (await table.scan()).sql();
    const rows = await engine.query(`SELECT count(*)::INTEGER AS n, sum(id)::INTEGER AS total FROM (${sql})`);
    expect(rows).toEqual([{ n: 80, total: (79 * 80) / 2 }]);
    const v0 = await engine.query(`SELECT count(*)::INTEGER AS n FROM (${await (await table.scan({ version: 0 })).sql()})`);
    expect(v0).toEqual([{ n: 50 }]);
  }, 600_000);
});
