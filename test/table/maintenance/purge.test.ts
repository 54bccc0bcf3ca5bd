import { copyFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { commitTransaction } from '../../../src/table/commit/transaction.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

const parquetFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.parquet'));

describe('purge', () => {
  it("deletes only files the log removed: another writer's file staged before the purge and committed after survives", async () => {
    const root = await tempDir('aquifer-purge-');
    const location = path.join(root, 'users');
    const { table } = await DeltaTable.create(location, { engine, data: { sql: "SELECT * FROM (VALUES ('u1', 1), ('u2', 2)) t(user_id, n)" } });
    await table.delete(`user_id = 'u1'`);
    const removed = (await table.snapshot()).tombstones.map((t) => t.path);

    // Another writer stages a data file (written, not yet committed), as any writer does before its commit.
    const other = path.join(root, 'other');
    await DeltaTable.create(other, { engine, data: { sql: "SELECT 'u3' AS user_id, 3 AS n" } });
    const [staged] = await parquetFiles(other);
    await copyFile(path.join(other, staged as string), path.join(location, 'part-staged-by-another-writer.parquet'));

    const purged = await table.purge({ files: [], reason: 'test' });
    expect(purged.filesVacuumed).toEqual(removed);

    // The other writer commits its file now.
    const version = (await DeltaTable.open(location, { engine })).snapshot().then((s) => s.version);
    const size = (await stat(path.join(location, 'part-staged-by-another-writer.parquet'))).size;
    const add = { path: 'part-staged-by-another-writer.parquet', partitionValues: {}, size, modificationTime: Date.now(), dataChange: true };
    await writeFile(
      path.join(location, '_delta_log', `${String((await version) + 1).padStart(20, '0')}.json`),
      `${JSON.stringify({ commitInfo: { timestamp: Date.now(), operation: 'WRITE' } })}\n${JSON.stringify({ add })}\n`,
    );
    const rows = await (await (await DeltaTable.open(location, { engine })).scan()).rows();
    expect(rows.map((r) => r['user_id']).sort()).toEqual(['u2', 'u3']);
  }, 60_000);

  it('a writer that read the table before the log was cut cannot commit into a removed version: its commit is withdrawn and fails as a conflict', async () => {
    const location = path.join(await tempDir('aquifer-purge-'), 'users');
    const { table } = await DeltaTable.create(location, { engine, data: { sql: "SELECT * FROM (VALUES ('u1', 1), ('u2', 2)) t(user_id, n)" } });
    await table.append({ sql: "SELECT 'u3' AS user_id, 3 AS n" });
    await table.delete(`user_id = 'u1'`);
    const purged = await table.purge({ files: [], reason: 'test' });
    expect(purged.logFilesDeleted.length).toBeGreaterThan(1);
    // A transaction that read version 0 (a long write that began before the purge) commits now: version 1 is free again.
    const late = commitTransaction(table.store, location, {
      readVersion: 0,
      actions: [],
      operation: 'WRITE',
      operationParameters: {},
      footprint: { isBlindAppend: true, readFiles: [], appIds: [], changesMetadata: false },
    });
    await expect(late).rejects.toMatchObject({ code: 'COMMIT_CONFLICT', value: { reason: 'LOG_CUT' } });
    expect(await readdir(path.join(location, '_delta_log'))).not.toContain('00000000000000000001.json');
    const rows = await (await (await DeltaTable.open(location, { engine })).scan()).rows();
    expect(rows.map((r) => r['user_id']).sort()).toEqual(['u2', 'u3']);
  }, 60_000);
});
