import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { LocalObjectStore } from '../../../src/storage/index.js';
import { DeltaTable, field, primitive, struct } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;

beforeAll(() => {
  engine = fixture.engine();
});

const EVENTS = "SELECT range AS id, 'u' || (range % 5) AS user_id, (range % 3)::INTEGER AS part, range * 1.5 AS amount FROM range(100)";

async function rows(table: DeltaTable, where?: string) {
  return (await table.scan(where === undefined ? {} : { where })).count();
}

describe('creating a table', () => {
  it('infers the schema from the data and writes one add action per file with stats', async () => {
    const { table, result } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    expect(result).toMatchObject({ version: 0, rows: 100, skipped: false });
    const snapshot = await table.snapshot();
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', primitive('long')],
      ['user_id', primitive('string')],
      ['part', primitive('integer')],
      ['amount', { kind: 'decimal', precision: 21, scale: 1 }],
    ]);
    const stats = JSON.parse(snapshot.files[0]?.stats ?? '{}');
    expect(stats).toMatchObject({ numRecords: 100, minValues: { id: 0, user_id: 'u0' }, maxValues: { id: 99, user_id: 'u4' }, nullCount: { id: 0 } });
    expect(snapshot.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
  });

  it('creates an empty table from a schema', async () => {
    const schema = struct([field('id', primitive('long'), false), field('name', primitive('string'))]);
    const { table } = await DeltaTable.create(location(), { engine, schema });
    const snapshot = await table.snapshot();
    expect(snapshot.files).toHaveLength(0);
    expect(snapshot.schema).toEqual(schema);
    expect(await rows(table)).toBe(0);
  });

  it('refuses to create a table where one exists', async () => {
    const where = location();
    await DeltaTable.create(where, { engine, data: { sql: EVENTS } });
    await expect(DeltaTable.create(where, { engine, data: { sql: EVENTS } })).rejects.toMatchObject({ code: 'TABLE_ALREADY_EXISTS' });
    // The losing create's data files are removed: only the winner's file remains.
    expect((await readdir(where)).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
  });

  it('writes partition columns as folders and partition values, not into the files', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS }, partitionColumns: ['part'] });
    const snapshot = await table.snapshot();
    expect(snapshot.files.map((f) => f.partitionValues['part']).sort()).toEqual(['0', '1', '2']);
    expect(snapshot.files.every((f) => f.path.startsWith(`part=${f.partitionValues['part']}/`))).toBe(true);
    const columns = await engine.query(`SELECT name FROM parquet_schema('${path.join(table.location, decodeURIComponent(snapshot.files[0]!.path))}')`);
    expect(columns.map((c) => c['name'])).not.toContain('part');
    expect(await rows(table, 'part = 1')).toBe(33);
  });

  it('refuses a partition column that is not in the schema, or not primitive', async () => {
    await expect(DeltaTable.create(location(), { engine, data: { sql: EVENTS }, partitionColumns: ['nope'] })).rejects.toMatchObject({
      code: 'TABLE_SCHEMA_INVALID',
    });
    await expect(DeltaTable.create(location(), { engine, data: { sql: 'SELECT [1] AS l' }, partitionColumns: ['l'] })).rejects.toMatchObject({
      code: 'TABLE_SCHEMA_INVALID',
    });
  });

  it('asks for table features only when the schema needs them', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: "SELECT TIMESTAMP '2024-01-01 10:00:00' AS local_time" } });
    expect((await table.snapshot()).protocol).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['timestampNtz'],
      writerFeatures: ['appendOnly', 'invariants', 'timestampNtz'],
    });
  });

  it('assigns physical names and ids under column mapping and reads back logical names', async () => {
    const { table } = await DeltaTable.create(location(), {
      engine,
      data: { sql: EVENTS },
      partitionColumns: ['part'],
      properties: { 'delta.columnMapping.mode': 'name' },
    });
    const snapshot = await table.snapshot();
    const physical = snapshot.schema.fields.map((f) => f.metadata['delta.columnMapping.physicalName']);
    expect(physical.every((p) => typeof p === 'string' && p.startsWith('col-'))).toBe(true);
    expect(snapshot.configuration['delta.columnMapping.maxColumnId']).toBe('4');
    const file = path.join(table.location, decodeURIComponent(snapshot.files[0]!.path));
    const names = (await engine.query(`SELECT name FROM parquet_schema('${file}')`)).map((c) => c['name']);
    expect(names).toContain(physical[0]);
    expect(await rows(table, "user_id = 'u1' AND part = 1")).toBe(7);
  });
});

describe('appending', () => {
  it('adds rows in one commit and keeps earlier versions readable', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    const result = await table.append({ sql: EVENTS });
    expect(result).toMatchObject({ version: 1, rows: 100 });
    expect(await rows(table)).toBe(200);
    expect(await (await table.scan({ version: 0 })).count()).toBe(100);
    const history = await table.history();
    expect(history.map((h) => [h.version, h.operation, h.operationParameters['mode']])).toEqual([
      [1, 'WRITE', 'Append'],
      [0, 'CREATE TABLE AS SELECT', undefined],
    ]);
    expect(history[0]?.isBlindAppend).toBe(true);
  });

  it('fills a missing nullable column with NULL and casts compatible types', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    await table.append({ sql: 'SELECT 1000::INTEGER AS id, 2::TINYINT AS part' });
    const [row] = await (await table.scan({ where: 'id = 1000' })).rows();
    expect(row).toEqual({ id: '1000', user_id: null, part: 2, amount: null });
  });

  it('refuses a column the table does not have, naming it', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    await expect(table.append({ sql: "SELECT 1 AS id, 'x' AS surprise" })).rejects.toMatchObject({
      code: 'TABLE_SCHEMA_MISMATCH',
      value: { column: 'surprise' },
    });
  });

  it('refuses an incompatible type, naming the column and both types', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    await expect(table.append({ sql: 'SELECT [1, 2] AS id' })).rejects.toMatchObject({
      code: 'TABLE_SCHEMA_MISMATCH',
      value: { column: 'id', dataType: 'array<integer>', tableType: 'long' },
    });
    expect((await table.snapshot()).version).toBe(0);
  });

  it('refuses NULL in a non-nullable column and commits nothing', async () => {
    const schema = struct([field('id', primitive('long'), false)]);
    const { table } = await DeltaTable.create(location(), { engine, schema });
    await expect(table.append({ sql: 'SELECT NULL::BIGINT AS id' })).rejects.toMatchObject({ code: 'ENGINE_QUERY_FAILED' });
    expect((await table.snapshot()).version).toBe(0);
  });

  it('appends rows held in memory and files in CSV, JSON lines and Parquet', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { rows: [{ id: 1, name: "O'Brien" }] } });
    const dir = await tempDir();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'a.csv'), 'id,name\n2,two\n3,three\n');
    await writeFile(path.join(dir, 'b.jsonl'), '{"id": 4, "name": "four"}\n');
    await engine.run(`COPY (SELECT 5::BIGINT AS id, 'five' AS name) TO '${path.join(dir, 'c.parquet')}' (FORMAT parquet)`);
    await table.append({ files: path.join(dir, 'a.csv') });
    await table.append({ files: path.join(dir, 'b.jsonl') });
    await table.append({ files: [path.join(dir, 'c.parquet')] });
    const names = (await (await table.scan()).rows()).map((r) => r['name']).sort();
    expect(names).toEqual(["O'Brien", 'five', 'four', 'three', 'two']);
  });

  it('writes an input that cannot fill one file as one named file, and rolls a larger one into several', async () => {
    const dir = await tempDir();
    const input = path.join(dir, 'big.parquet');
    await engine.run(`COPY (SELECT range AS id, md5(range::VARCHAR) AS payload FROM range(200000)) TO '${input}' (FORMAT parquet, ROW_GROUP_SIZE 20000)`);
    const { size } = await stat(input);
    const copies: string[] = [];
    const query = vi.spyOn(engine, 'query');
    query.mockImplementation(async function (this: Engine, sql, options) {
      if (sql.startsWith('COPY')) copies.push(sql);
      return Engine.prototype.query.call(this, sql, options);
    });
    try {
      const { table } = await DeltaTable.create(location(), { engine, data: { files: input } });
      expect((await table.snapshot()).files).toHaveLength(1);
      const rolled = await table.append({ files: input }, { targetFileSize: Math.floor(size / 4) });
      expect(rolled.filesAdded).toBeGreaterThan(1);
      expect(rolled.rows).toBe(200_000);
      expect(await rows(table)).toBe(400_000);
    } finally {
      query.mockRestore();
    }
    // The first straight to a named file; the second into a folder, rolled by size.
    expect(copies).toHaveLength(2);
    expect(copies[0]).toMatch(/\/part-[0-9a-f-]+\.parquet' \(FORMAT parquet/);
    expect(copies[1]).toMatch(/FILE_SIZE_BYTES \d+/);
  });

  it("moves the table's snapshot forward in memory after its own commit, equal to a fresh load, and checkpoints from it", async () => {
    const store = new LocalObjectStore(location());
    const { table } = await DeltaTable.create(store, { engine, data: { sql: EVENTS }, properties: { 'delta.checkpointInterval': '3' } });
    for (let i = 0; i < 2; i++) await table.append({ sql: EVENTS }, { txn: { appId: 'loader', version: i } });
    // Version 3 checkpoints from the snapshot in memory: DuckDB never reads a commit file.
    const sql: string[] = [];
    const seen = <T>(method: (this: Engine, text: string) => Promise<T>) =>
      async function (this: Engine, text: string): Promise<T> {
        sql.push(text);
        return method.call(this, text);
      };
    const run = vi.spyOn(engine, 'run').mockImplementation(seen(Engine.prototype.run));
    const read = vi.spyOn(engine, 'read').mockImplementation(seen(Engine.prototype.read));
    try {
      await table.append({ sql: EVENTS }, { txn: { appId: 'loader', version: 2 } });
    } finally {
      run.mockRestore();
      read.mockRestore();
    }
    expect(sql.some((text) => text.includes('checkpoint'))).toBe(true);
    expect(sql.filter((text) => /_delta_log\/\d{20}\.json/.test(text))).toEqual([]);
    // Nor is the log listed again: each refresh finds no commit past the one just made.
    const list = vi.spyOn(store, 'list');
    try {
      await table.append({ sql: EVENTS }, { txn: { appId: 'loader', version: 3 } });
      await table.delete('id < 10');
      await table.snapshot();
      expect(list).not.toHaveBeenCalled();
    } finally {
      list.mockRestore();
    }
    const kept = await table.snapshot();
    const fresh = await (await DeltaTable.open(table.location, { engine })).snapshot();
    expect(kept.version).toBe(5);
    expect(fresh.version).toBe(5);
    expect(kept.files.map((f) => f.path).sort()).toEqual(fresh.files.map((f) => f.path).sort());
    expect(kept.txnVersion('loader')).toBe(3);
    expect(kept.commitDigest).toBe(fresh.commitDigest);
    expect(kept.timestamp).toBe(fresh.timestamp);
    const checkpointed = JSON.parse(await readFile(path.join(table.location, '_delta_log', '_last_checkpoint'), 'utf8'));
    expect(checkpointed).toMatchObject({ version: 3, numOfAddFiles: 4 });
    const atThree = await (await DeltaTable.open(table.location, { engine })).snapshot({ version: 3 });
    expect(atThree.files).toHaveLength(4);
    expect(atThree.txnVersion('loader')).toBe(2);
  });

  it('skips a repeated write with the same application id and version', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    const first = await table.append({ sql: EVENTS }, { txn: { appId: 'ingest-1', version: 7 } });
    const again = await table.append({ sql: EVENTS }, { txn: { appId: 'ingest-1', version: 7 } });
    const older = await table.append({ sql: EVENTS }, { txn: { appId: 'ingest-1', version: 3 } });
    expect(first.skipped).toBe(false);
    expect(again).toMatchObject({ skipped: true, version: first.version });
    expect(older.skipped).toBe(true);
    expect(await rows(table)).toBe(200);
    expect((await table.snapshot()).txnVersion('ingest-1')).toBe(7);
  });

  it('lets concurrent appends all commit, each exactly once, at distinct versions', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    const writers = await Promise.all(Array.from({ length: 6 }, () => DeltaTable.open(table.location, { engine })));
    const results = await Promise.all(writers.map((w, i) => w.append({ sql: `SELECT ${1000 + i}::BIGINT AS id` })));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await rows(table, 'id >= 1000')).toBe(6);
  });
});

describe('overwriting', () => {
  it('replaces every row and keeps the old version for time travel', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    const result = await table.overwrite({ sql: 'SELECT 1::BIGINT AS id' });
    expect(result).toMatchObject({ filesRemoved: 1, filesAdded: 1, rows: 1 });
    expect(await rows(table)).toBe(1);
    expect(await (await table.scan({ version: 0 })).count()).toBe(100);
    const log = await readFile(path.join(table.location, '_delta_log', '00000000000000000001.json'), 'utf8');
    expect(log).toContain('"remove"');
  });

  it('replaces only the partitions a predicate selects', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS }, partitionColumns: ['part'] });
    await table.overwrite({ sql: 'SELECT -1 AS id, 1 AS part' }, { where: 'part = 1' });
    expect(await rows(table, 'part = 1')).toBe(1);
    expect(await rows(table, 'part <> 1')).toBe(67);
  });

  it('refuses data outside the predicate, and predicates over data columns', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS }, partitionColumns: ['part'] });
    await expect(table.overwrite({ sql: 'SELECT -1 AS id, 2 AS part' }, { where: 'part = 1' })).rejects.toMatchObject({ code: 'WRITE_OUTSIDE_PREDICATE' });
    await expect(table.overwrite({ sql: 'SELECT -1 AS id, 1 AS part' }, { where: 'id = 1' })).rejects.toMatchObject({ code: 'WRITE_PREDICATE_NOT_PARTITION' });
    expect((await table.snapshot()).version).toBe(0);
  });

  it('refuses to overwrite an append-only table', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS }, properties: { 'delta.appendOnly': 'true' } });
    await expect(table.overwrite({ sql: EVENTS })).rejects.toMatchObject({ code: 'TABLE_APPEND_ONLY' });
  });

  it('replaces two partitions side by side from one version when each names its partition scope', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS }, partitionColumns: ['part'] });
    const a = await DeltaTable.open(table.location, { engine });
    const b = await DeltaTable.open(table.location, { engine });
    // Without partitionScope the second to commit would conflict: any concurrent add counts as read by a replaceWhere.
    const outcomes = await Promise.allSettled([
      a.overwrite({ sql: 'SELECT -1::BIGINT AS id, 1 AS part' }, { where: 'part = 1', partitionScope: { part: '1' } }),
      b.overwrite({ sql: 'SELECT -2::BIGINT AS id, 2 AS part' }, { where: 'part = 2', partitionScope: { part: '2' } }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await rows(table, 'part = 1')).toBe(1);
    expect(await rows(table, 'part = 2')).toBe(1);
    expect(await rows(table, 'part = 0')).toBe(34);
  });

  it('fails with COMMIT_CONFLICT when another writer removed the same files first', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS } });
    const a = await DeltaTable.open(table.location, { engine });
    const b = await DeltaTable.open(table.location, { engine });
    const outcomes = await Promise.allSettled([a.overwrite({ sql: 'SELECT 1::BIGINT AS id' }), b.overwrite({ sql: 'SELECT 2::BIGINT AS id' })]);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'COMMIT_CONFLICT' });
    expect(await rows(table)).toBe(1);
  });

  it('retries past a concurrent blind append and keeps both writes', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: EVENTS }, partitionColumns: ['part'] });
    const snapshot = await table.snapshot();
    await table.append({ sql: 'SELECT 5000 AS id, 2 AS part' });
    // An overwrite planned against version 0 commits after the append won version 1.
    const { TableWriter } = await import('../../../src/table/write/index.js');
    const result = await new TableWriter(table.store, engine, table.location).overwrite(snapshot, { sql: 'SELECT -1 AS id, 1 AS part' }, { where: 'part = 1' });
    expect(result.version).toBe(2);
    expect(await rows(table, 'id = 5000')).toBe(1);
    expect(await rows(table, 'part = 1')).toBe(1);
  });
});
