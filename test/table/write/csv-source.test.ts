import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();

async function csv(name: string, text: string): Promise<string> {
  const file = path.join(path.dirname(fixture.location()), name);
  await writeFile(file, text);
  return file;
}

describe('CSV sources', () => {
  it('refuses a ragged CSV with a typed error instead of reading it as one column, and creates no table', async () => {
    const engine = fixture.engine();
    const location = fixture.location();
    const file = await csv('ragged.csv', 'id,zip,amount\n1,02139,1.5\n2,10001\n3,94103,2.5,extra\n');
    await expect(DeltaTable.create(location, { engine, data: { files: file } })).rejects.toMatchObject({ code: 'WRITE_SOURCE_MALFORMED' });
    await expect(DeltaTable.open(location, { engine }).then((t) => t.snapshot())).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });

  it('refuses a short line far past the rows the sniffer samples', async () => {
    const engine = fixture.engine();
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i},x${i}`);
    const file = await csv('late.csv', `id,name\n${lines.join('\n')}\n30000\n`);
    await expect(DeltaTable.create(fixture.location(), { engine, data: { files: file } })).rejects.toMatchObject({ code: 'WRITE_SOURCE_MALFORMED' });
  });

  it('refuses a ragged CSV appended to a table, which stays as it was', async () => {
    const engine = fixture.engine();
    const { table } = await DeltaTable.create(fixture.location(), { engine, data: { sql: `SELECT 1::BIGINT AS id, 'a' AS name` } });
    const file = await csv('ragged-append.csv', 'id,name\n2,b\n3\n');
    await expect(table.append({ files: file })).rejects.toMatchObject({ code: 'WRITE_SOURCE_MALFORMED' });
    expect(await (await table.scan()).rows()).toEqual([{ id: '1', name: 'a' }]);
  });

  it("appends a CSV with the table's types: digit strings stay strings, columns in any order or a subset", async () => {
    const engine = fixture.engine();
    const { table } = await DeltaTable.create(fixture.location(), { engine, data: { sql: `SELECT 1::BIGINT AS id, '02139' AS zip, 1.5::DOUBLE AS amount` } });
    await table.append({ files: await csv('zips.csv', 'id,zip,amount\n2,00501,2\n') });
    await table.append({ files: await csv('reordered.csv', 'zip,id\n07030,3\n') });
    const rows = await (await table.scan()).rows();
    expect(rows.map((r) => [r['id'], r['zip'], r['amount']]).sort()).toEqual([
      ['1', '02139', 1.5],
      ['2', '00501', 2],
      ['3', '07030', null],
    ]);
    expect((await table.snapshot()).schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', { kind: 'primitive', name: 'long' }],
      ['zip', { kind: 'primitive', name: 'string' }],
      ['amount', { kind: 'primitive', name: 'double' }],
    ]);
  });

  it('reads a CSV with its own types under mergeSchema, so a wider integer widens the column', async () => {
    const engine = fixture.engine();
    const { table } = await DeltaTable.create(fixture.location(), {
      engine,
      data: { sql: `SELECT 1::INTEGER AS n` },
      properties: { 'delta.enableTypeWidening': 'true' },
    });
    const file = await csv('wide.csv', 'n\n5000000000\n');
    await expect(table.append({ files: file })).rejects.toMatchObject({ code: 'WRITE_SOURCE_MALFORMED' });
    await table.append({ files: file }, { mergeSchema: true });
    expect((await table.snapshot()).schema.fields[0]?.type).toEqual({ kind: 'primitive', name: 'long' });
    expect((await (await table.scan()).rows()).map((r) => String(r['n'])).sort()).toEqual(['1', '5000000000']);
  });

  it('refuses a CSV whose fields use another delimiter than the one read with, and reads it when told', async () => {
    const engine = fixture.engine();
    const file = await csv('semicolons.csv', 'id;zip\n1;02139\n');
    await expect(DeltaTable.create(fixture.location(), { engine, data: { files: file } })).rejects.toMatchObject({ code: 'WRITE_SOURCE_MALFORMED' });
    const { table } = await DeltaTable.create(fixture.location(), { engine, data: { files: file, csv: { delimiter: ';' } } });
    expect(await (await table.scan()).rows()).toEqual([{ id: '1', zip: '02139' }]);
  });
});
