import { readdir, readFile, rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;

beforeAll(() => {
  engine = fixture.engine();
});

const logFiles = async (table: string) => (await readdir(path.join(table, '_delta_log'))).filter((f) => !f.startsWith('.')).sort();

async function appendBatches(table: DeltaTable, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await table.append({ sql: `SELECT ${i} AS id, 'p${i % 2}' AS part` }, { txn: { appId: 'loader', version: i } });
}

describe('checkpoints written by commits', () => {
  it('checkpoints every delta.checkpointInterval commits (10 by default) and loads the same state from it without the JSON commits', async () => {
    const where = location();
    const { table } = await DeltaTable.create(where, { engine, data: { sql: "SELECT 0 AS id, 'p0' AS part" }, partitionColumns: ['part'] });
    await appendBatches(table, 1, 12);
    // An overwrite leaves tombstones, which the checkpoint must carry for vacuum.
    await table.overwrite({ sql: "SELECT 100 AS id, 'p0' AS part" }, { where: "part = 'p0'" });
    await appendBatches(table, 13, 21);
    expect((await logFiles(where)).filter((f) => f.includes('.checkpoint.'))).toEqual([
      '00000000000000000010.checkpoint.parquet',
      '00000000000000000020.checkpoint.parquet',
    ]);
    expect(JSON.parse(await readFile(path.join(where, '_delta_log', '_last_checkpoint'), 'utf8'))).toMatchObject({
      version: 20,
      numOfAddFiles: expect.any(Number),
    });

    const replayed = await (await DeltaTable.open(where, { engine })).snapshot();
    // Without commits 0..20 the reader must rebuild everything from checkpoint 20.
    for (const file of await logFiles(where)) {
      const version = Number(file.slice(0, 20));
      if (file.endsWith('.json') && version <= 20) await rm(path.join(where, '_delta_log', file));
    }
    const fresh = await DeltaTable.open(where, { engine });
    const fromCheckpoint = await fresh.snapshot();
    expect(fromCheckpoint.version).toBe(20);
    expect(fromCheckpoint.files.map((f) => f.path).sort()).toEqual(replayed.files.map((f) => f.path).sort());
    expect(fromCheckpoint.files.map((f) => f.stats)).toEqual(fromCheckpoint.files.map((f) => replayed.files.find((r) => r.path === f.path)?.stats));
    expect(fromCheckpoint.tombstones.map((t) => t.path).sort()).toEqual(replayed.tombstones.map((t) => t.path).sort());
    expect(fromCheckpoint.tombstones.length).toBeGreaterThan(0);
    expect(fromCheckpoint.schema).toEqual(replayed.schema);
    expect(fromCheckpoint.partitionColumns).toEqual(['part']);
    expect(fromCheckpoint.txnVersion('loader')).toBe(20);
    expect(await (await fresh.scan()).count()).toBe(await (await DeltaTable.open(where, { engine })).scan().then((s) => s.count()));
    // The application transactions survive the checkpoint: a repeated write is still skipped.
    expect(await fresh.append({ sql: "SELECT 20 AS id, 'p0' AS part" }, { txn: { appId: 'loader', version: 20 } })).toMatchObject({ skipped: true });
  });

  it("follows a table's own interval and keeps domain metadata", async () => {
    const where = location();
    const { table } = await DeltaTable.create(where, { engine, data: { sql: 'SELECT 0 AS id' }, properties: { 'delta.checkpointInterval': '3' } });
    for (let i = 1; i <= 7; i++)
      await table.append(
        { sql: `SELECT ${i} AS id` },
        i === 2 ? { domains: [{ domain: 'aquifer.positions', configuration: '{"seq":"42"}', removed: false }] } : {},
      );
    expect((await logFiles(where)).filter((f) => f.includes('.checkpoint.'))).toEqual([
      '00000000000000000003.checkpoint.parquet',
      '00000000000000000006.checkpoint.parquet',
    ]);
    for (const file of await logFiles(where)) if (file.endsWith('.json') && Number(file.slice(0, 20)) <= 6) await rm(path.join(where, '_delta_log', file));
    const snapshot = await (await DeltaTable.open(where, { engine })).snapshot();
    expect(snapshot.version).toBe(7);
    expect(snapshot.domains.get('aquifer.positions')?.configuration).toBe('{"seq":"42"}');
    expect(await (await (await DeltaTable.open(where, { engine })).scan()).count()).toBe(8);
  });
});

describe('expired log cleanup', () => {
  it('removes commits and checkpoints past delta.logRetentionDuration only behind a checkpoint that is itself past it', async () => {
    const where = location();
    const { table } = await DeltaTable.create(where, {
      engine,
      data: { sql: "SELECT 0 AS id, 'p0' AS part" },
      properties: { 'delta.logRetentionDuration': 'interval 1 hour' },
    });
    await appendBatches(table, 1, 25);
    // Everything so far is two hours old; what follows is new.
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const file of await logFiles(where)) await utimes(path.join(where, '_delta_log', file), old, old);
    await appendBatches(table, 25, 31);
    const files = await logFiles(where);
    // Checkpoint 20 is the newest past the cutoff: everything before it went, it and everything after stayed.
    expect(files.filter((f) => f.endsWith('.json')).map((f) => Number(f.slice(0, 20)))).toEqual(Array.from({ length: 11 }, (_, i) => 20 + i));
    expect(files.filter((f) => f.includes('.checkpoint.'))).toEqual(['00000000000000000020.checkpoint.parquet', '00000000000000000030.checkpoint.parquet']);
    const reopened = await DeltaTable.open(where, { engine });
    expect(await (await reopened.scan()).count()).toBe(31);
    expect(await (await reopened.scan({ version: 20 })).count()).toBe(21);
    await expect(reopened.snapshot({ version: 5 })).rejects.toMatchObject({ code: expect.stringMatching(/^TABLE_/) });
  });

  it('ends the cleanup at the first log file that has not expired, so the log it leaves has no holes', async () => {
    const where = location();
    const { table } = await DeltaTable.create(where, {
      engine,
      data: { sql: "SELECT 0 AS id, 'p0' AS part" },
      properties: { 'delta.logRetentionDuration': 'interval 1 hour' },
    });
    await appendBatches(table, 1, 25);
    const old = new Date(Date.now() - 2 * 3_600_000);
    // Commit 12 looks new (a clock that jumped, a copied file): the listing stops there.
    for (const file of await logFiles(where)) if (!file.startsWith('00000000000000000012.')) await utimes(path.join(where, '_delta_log', file), old, old);
    await appendBatches(table, 25, 31);
    const files = await logFiles(where);
    expect(files.filter((f) => f.endsWith('.json')).map((f) => Number(f.slice(0, 20)))).toEqual(Array.from({ length: 21 }, (_, i) => 10 + i));
    expect(files.filter((f) => f.includes('.checkpoint.'))).toEqual([10, 20, 30].map((v) => `${String(v).padStart(20, '0')}.checkpoint.parquet`));
    const reopened = await DeltaTable.open(where, { engine });
    expect(await (await reopened.scan({ version: 10 })).count()).toBe(11);
  });

  it('keeps everything while no checkpoint is past the retention, and when cleanup is turned off', async () => {
    const where = location();
    const { table } = await DeltaTable.create(where, {
      engine,
      data: { sql: "SELECT 0 AS id, 'p0' AS part" },
      properties: { 'delta.logRetentionDuration': 'interval 1 hour', 'delta.enableExpiredLogCleanup': 'false' },
    });
    await appendBatches(table, 1, 11);
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const file of await logFiles(where)) await utimes(path.join(where, '_delta_log', file), old, old);
    expect(await table.cleanupLogs()).toEqual({ keptFromCheckpoint: undefined, deleted: [] });
    const other = location();
    const created = await DeltaTable.create(other, {
      engine,
      data: { sql: "SELECT 0 AS id, 'p0' AS part" },
      properties: { 'delta.logRetentionDuration': 'interval 1 hour' },
    });
    await appendBatches(created.table, 1, 9);
    for (const file of await logFiles(other)) await utimes(path.join(other, '_delta_log', file), old, old);
    expect((await created.table.cleanupLogs()).deleted).toEqual([]);
    expect((await logFiles(other)).filter((f) => f.endsWith('.json'))).toHaveLength(9);
  });

  it('refuses a retention that is not a duration, naming the property', async () => {
    const where = location();
    const { table } = await DeltaTable.create(where, {
      engine,
      data: { sql: "SELECT 0 AS id, 'p0' AS part" },
      properties: { 'delta.logRetentionDuration': 'forever' },
    });
    await expect(table.cleanupLogs()).rejects.toMatchObject({ code: 'TABLE_PROPERTY_INVALID', value: 'forever' });
  });
});
