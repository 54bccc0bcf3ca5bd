import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;
const MAPPED = { 'delta.columnMapping.mode': 'name' };

beforeAll(() => {
  engine = fixture.engine();
});

async function read(table: DeltaTable, version?: number): Promise<Record<string, unknown>[]> {
  const scan = await table.scan(version === undefined ? {} : { version });
  return engine.query(`SELECT * FROM (${await scan.sql()}) ORDER BY 1`);
}

describe('renaming and dropping columns', () => {
  it('renames a column, a nested field and a partition column without rewriting a file; old versions keep the old names', async () => {
    const { table } = await DeltaTable.create(location(), {
      engine,
      data: { sql: "SELECT 1 AS id, {'a': 'x'} AS st, 'p' AS part" },
      partitionColumns: ['part'],
      properties: MAPPED,
    });
    const files = (await table.snapshot()).files.map((f) => f.path);
    await table.renameColumn('id', 'key');
    await table.renameColumn(['st', 'a'], 'b');
    await table.renameColumn('PART', 'region');
    const snapshot = await table.snapshot();
    expect(snapshot.version).toBe(3);
    expect(snapshot.files.map((f) => f.path)).toEqual(files);
    expect(snapshot.partitionColumns).toEqual(['region']);
    expect(await read(table)).toEqual([{ key: 1, st: { b: 'x' }, region: 'p' }]);
    expect(await read(table, 0)).toEqual([{ id: 1, st: { a: 'x' }, part: 'p' }]);
    // Filters and appends use the new names.
    expect(await (await table.scan({ where: "region = 'p' AND key = 1" })).count()).toBe(1);
    await table.append({ sql: "SELECT 2 AS key, {'b': 'y'} AS st, 'q' AS region" });
    expect((await read(table)).map((r) => r['key'])).toEqual([1, 2]);
    const history = await table.history({ limit: 4 });
    expect(history.map((h) => h.operation)).toEqual(['WRITE', 'RENAME COLUMN', 'RENAME COLUMN', 'RENAME COLUMN']);
  });

  it('drops columns and nested fields; a column added later under the same name starts empty', async () => {
    const { table } = await DeltaTable.create(location(), {
      engine,
      data: { sql: "SELECT 1 AS id, 'secret' AS ssn, {'a': 1, 'b': 2} AS st" },
      properties: MAPPED,
    });
    await table.dropColumns(['ssn', ['st', 'b']]);
    expect(await read(table)).toEqual([{ id: 1, st: { a: 1 } }]);
    await table.append({ rows: [{ id: 2, ssn: 'new' }] }, { mergeSchema: true });
    // The old ssn data is still in the first file under its old physical name, but the new column has a new one.
    expect(await read(table)).toEqual([
      { id: 1, st: { a: 1 }, ssn: null },
      { id: 2, st: null, ssn: 'new' },
    ]);
  });

  it('refuses what would lose or confuse data, with typed errors', async () => {
    const plain = (await DeltaTable.create(location(), { engine, data: { sql: 'SELECT 1 AS id, 2 AS v' } })).table;
    await expect(plain.renameColumn('v', 'w')).rejects.toMatchObject({
      code: 'TABLE_COLUMN_MAPPING_REQUIRED',
      hint: expect.stringContaining('delta.columnMapping.mode=name'),
    });
    await expect(plain.dropColumns(['v'])).rejects.toMatchObject({ code: 'TABLE_COLUMN_MAPPING_REQUIRED' });

    const { table } = await DeltaTable.create(location(), {
      engine,
      data: { sql: "SELECT 1 AS id, 2 AS v, 'p' AS part" },
      partitionColumns: ['part'],
      properties: MAPPED,
    });
    await expect(table.renameColumn('nope', 'x')).rejects.toMatchObject({ code: 'TABLE_COLUMN_NOT_FOUND', value: 'nope' });
    await expect(table.renameColumn('v', 'ID')).rejects.toMatchObject({ code: 'TABLE_ALTER_INVALID' });
    await expect(table.renameColumn(['v', 'x'], 'y')).rejects.toMatchObject({ code: 'TABLE_ALTER_INVALID' });
    await expect(table.dropColumns(['part'])).rejects.toMatchObject({ code: 'TABLE_ALTER_INVALID' });
    await expect(table.dropColumns(['id', 'v'])).resolves.toMatchObject({ version: 1 });
    await expect(table.dropColumns(['part'])).rejects.toMatchObject({ code: 'TABLE_ALTER_INVALID' });
    expect((await table.snapshot()).version).toBe(1);
  });
});
