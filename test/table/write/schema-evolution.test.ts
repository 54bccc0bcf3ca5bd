import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { DeltaTable, decimal, field, primitive, struct, type OverwriteOptions, type StructField } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;

beforeAll(() => {
  engine = fixture.engine();
});

async function rows(table: DeltaTable, version?: number): Promise<Record<string, unknown>[]> {
  const scan = await table.scan(version === undefined ? {} : { version });
  return engine.query(`SELECT * FROM (${await scan.sql()}) ORDER BY id`);
}

const shape = (fields: readonly StructField[]) => fields.map((f) => [f.name, f.type, f.nullable]);

describe('schema evolution (mergeSchema)', () => {
  it('adds new columns as nullable at the end; earlier rows read NULL and earlier versions keep their schema', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: 'SELECT 1::BIGINT AS id, 10::INTEGER AS score' } });
    await expect(table.append({ sql: "SELECT 2::BIGINT AS id, 20::INTEGER AS score, 'x' AS label" })).rejects.toMatchObject({
      code: 'TABLE_SCHEMA_MISMATCH',
      value: { column: 'label' },
    });

    const result = await table.append({ sql: "SELECT 2::BIGINT AS id, 'x' AS label, 20::INTEGER AS score" }, { mergeSchema: true });
    expect(result.version).toBe(1);
    const snapshot = await table.snapshot();
    expect(shape(snapshot.schema.fields)).toEqual([
      ['id', primitive('long'), true],
      ['score', primitive('integer'), true],
      ['label', primitive('string'), true],
    ]);
    expect(await rows(table)).toEqual([
      { id: 1n, score: 10, label: null },
      { id: 2n, score: 20, label: 'x' },
    ]);
    expect((await table.snapshot({ version: 0 })).schema.fields.map((f) => f.name)).toEqual(['id', 'score']);
    expect(await rows(table, 0)).toEqual([{ id: 1n, score: 10 }]);
    // The metadata change is the only one: the table's id, partitioning and protocol stay.
    expect(snapshot.metadata.id).toBe((await table.snapshot({ version: 0 })).metadata.id);
    expect(snapshot.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
  });

  it('adds fields inside structs, arrays of structs and maps, matching names case-insensitively', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: "SELECT 1 AS id, {'a': 1} AS st, [{'k': 'p'}] AS arr" } });
    await table.append({ sql: "SELECT 2 AS ID, {'a': 2, 'b': 'new'} AS st, [{'k': 'q', 'v': 5}] AS arr, MAP {'m': 1} AS tags" }, { mergeSchema: true });
    const schema = (await table.snapshot()).schema;
    expect(schema.fields.map((f) => f.name)).toEqual(['id', 'st', 'arr', 'tags']);
    expect(schema.fields[1]?.type).toEqual(struct([field('a', primitive('integer')), field('b', primitive('string'))]));
    expect(await rows(table)).toEqual([
      { id: 1, st: { a: 1, b: null }, arr: [{ k: 'p', v: null }], tags: null },
      { id: 2, st: { a: 2, b: 'new' }, arr: [{ k: 'q', v: 5 }], tags: expect.anything() },
    ]);
  });

  it('casts narrower data to the table type without touching the schema', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: 'SELECT 1::BIGINT AS id, 1.5::DOUBLE AS x' } });
    const result = await table.append({ sql: 'SELECT 2::INTEGER AS id, 2.5::FLOAT AS x' }, { mergeSchema: true });
    expect(result.version).toBe(1);
    const actions = await table.commitActions(1);
    expect(actions.some((a) => a.kind === 'metaData')).toBe(false);
    expect(shape((await table.snapshot()).schema.fields)).toEqual([
      ['id', primitive('long'), true],
      ['x', primitive('double'), true],
    ]);
  });

  it('refuses a wider type unless the table enables type widening, saying how to', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: 'SELECT 1::INTEGER AS id' } });
    const refused = table.append({ sql: 'SELECT 5000000000::BIGINT AS id' }, { mergeSchema: true });
    await expect(refused).rejects.toMatchObject({ code: 'TABLE_SCHEMA_MISMATCH', value: { column: 'id', dataType: 'long', tableType: 'integer' } });
    await expect(refused).rejects.toMatchObject({ hint: expect.stringMatching(/delta\.enableTypeWidening=true/) });
  });

  it('widens types where the table enables it, records the change and reads old files at the new type', async () => {
    const { table } = await DeltaTable.create(location(), {
      engine,
      data: { sql: "SELECT 1::INTEGER AS id, 1.5::FLOAT AS x, DATE '2024-01-02' AS d, 1.25::DECIMAL(5,2) AS price" },
      properties: { 'delta.enableTypeWidening': 'true' },
    });
    expect((await table.snapshot()).protocol).toMatchObject({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: expect.arrayContaining(['typeWidening']),
    });
    await table.append(
      { sql: "SELECT 5000000000::BIGINT AS id, 2.5::DOUBLE AS x, TIMESTAMP '2024-01-03 04:05:06' AS d, 123.456::DECIMAL(8,3) AS price" },
      { mergeSchema: true },
    );
    const fields = (await table.snapshot()).schema.fields;
    expect(shape(fields)).toEqual([
      ['id', primitive('long'), true],
      ['x', primitive('double'), true],
      ['d', primitive('timestamp_ntz'), true],
      ['price', decimal(8, 3), true],
    ]);
    expect(fields[0]?.metadata['delta.typeChanges']).toEqual([{ fromType: 'integer', toType: 'long' }]);
    expect(fields[3]?.metadata['delta.typeChanges']).toEqual([{ fromType: 'decimal(5,2)', toType: 'decimal(8,3)' }]);
    const read = await rows(table);
    expect(read.map((r) => r['id'])).toEqual([1n, 5000000000n]);
    expect(read.map((r) => r['x'])).toEqual([1.5, 2.5]);
    expect(read.map((r) => Number(r['price']))).toEqual([1.25, 123.456]);
    // An integer column never becomes a decimal by itself, as in Delta: decimal data is cast to the column's type.
    await table.append({ sql: 'SELECT 3::DECIMAL(30,1) AS id' }, { mergeSchema: true });
    expect((await table.snapshot()).schema.fields[0]?.type).toEqual(primitive('long'));
  });

  it('gives new columns of a column-mapped table fresh ids and physical names past the highest', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: 'SELECT 1 AS id' }, properties: { 'delta.columnMapping.mode': 'name' } });
    await table.append({ rows: [{ id: 2, added: 'a' }] }, { mergeSchema: true });
    const snapshot = await table.snapshot();
    const added = snapshot.schema.fields[1];
    expect(added?.metadata['delta.columnMapping.id']).toBe(2);
    expect(String(added?.metadata['delta.columnMapping.physicalName'])).toMatch(/^col-/);
    expect(snapshot.configuration['delta.columnMapping.maxColumnId']).toBe('2');
    expect(await rows(table)).toEqual([
      { id: 1, added: null },
      { id: 2, added: 'a' },
    ]);
  });

  it('keeps the table types of in-memory rows, so a JSON number does not widen a column', async () => {
    const { table } = await DeltaTable.create(location(), {
      engine,
      schema: struct([field('id', primitive('integer'))]),
      properties: { 'delta.enableTypeWidening': 'true' },
    });
    await table.append({ rows: [{ id: 7, note: 'n' }] }, { mergeSchema: true });
    expect(shape((await table.snapshot()).schema.fields)).toEqual([
      ['id', primitive('integer'), true],
      ['note', primitive('string'), true],
    ]);
  });
});

describe('schema replacement (overwriteSchema)', () => {
  it('replaces the schema and the rows in one commit, optionally repartitioning', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: "SELECT 1 AS id, 'a' AS old" }, partitionColumns: ['old'] });
    await expect(table.overwrite({ sql: "SELECT 'k' AS key, 2.5 AS v" })).rejects.toMatchObject({ code: 'TABLE_SCHEMA_MISMATCH' });
    await expect(table.overwrite({ sql: "SELECT 'k' AS key" }, { overwriteSchema: true })).rejects.toMatchObject({ code: 'TABLE_SCHEMA_INVALID' });
    await table.overwrite({ sql: "SELECT 'k' AS key, 2.5::DOUBLE AS v" }, { overwriteSchema: true, partitionColumns: ['key'] });
    const snapshot = await table.snapshot();
    expect(shape(snapshot.schema.fields)).toEqual([
      ['key', primitive('string'), true],
      ['v', primitive('double'), true],
    ]);
    expect(snapshot.partitionColumns).toEqual(['key']);
    expect(await engine.query(await (await table.scan()).sql())).toEqual([{ key: 'k', v: 2.5 }]);
    expect((await table.snapshot({ version: 0 })).schema.fields.map((f) => f.name)).toEqual(['id', 'old']);
  });

  it('goes only with a whole-table overwrite', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: 'SELECT 1 AS id, 1 AS p' }, partitionColumns: ['p'] });
    await expect(table.overwrite({ sql: 'SELECT 1 AS p' }, { overwriteSchema: true, where: 'p = 1' })).rejects.toMatchObject({ code: 'WRITE_OPTIONS_INVALID' });
    // The type does not offer it on append; a JavaScript caller can still pass it.
    const replacing: OverwriteOptions = { overwriteSchema: true };
    await expect(table.append({ sql: 'SELECT 1 AS p' }, replacing)).rejects.toMatchObject({ code: 'WRITE_OPTIONS_INVALID' });
  });
});
