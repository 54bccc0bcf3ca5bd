import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { MAX_TAGS_PER_COLUMN, TAGS_KEY, tagColumns, tagsOf } from '../../src/governance/index.js';
import { DeltaTable, type StructField } from '../../src/table/index.js';
import { deltaExtensionAvailable, duckdbExtensionDirectory } from '../support/duckdb-extensions.js';
import { assertRead, referencePython, referenceReadersAvailable, ReferenceReaders } from '../support/reference-readers.js';
import { tableFixture } from '../support/table-fixture.js';
import { tempDir } from '../support/temp.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;

beforeAll(() => {
  engine = fixture.engine();
});

const USERS = "SELECT 1 AS id, 'a@x.org' AS email, {'city': 'Oslo', 'zip': '0150'} AS address";

async function fieldOf(table: DeltaTable, name: string): Promise<StructField> {
  return (await table.snapshot()).schema.fields.find((f) => f.name === name) as StructField;
}

async function tagsOn(table: DeltaTable, name: string): Promise<string[]> {
  return tagsOf((await fieldOf(table, name)).metadata);
}

describe('column tags in Delta column metadata', () => {
  it('tags columns in one metadata-only commit, as a JSON array string under aquifer.tags, and removes them', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: USERS } });
    const files = (await table.snapshot()).files.map((f) => f.path);
    const result = await tagColumns(table, { email: ['pii:email', 'PII'], 'address.city': ['pii:address'] });
    expect(result).toEqual({ version: 1, columns: { email: ['pii', 'pii:email'], 'address.city': ['pii:address'] } });
    expect((await fieldOf(table, 'email')).metadata).toEqual({ [TAGS_KEY]: '["pii","pii:email"]' });
    const address = await fieldOf(table, 'address');
    expect(address.type.kind === 'struct' && address.type.fields[0]?.metadata).toEqual({ [TAGS_KEY]: '["pii:address"]' });
    expect((await table.snapshot()).files.map((f) => f.path)).toEqual(files);
    const [last] = await table.history({ limit: 1 });
    expect(last?.operation).toBe('CHANGE COLUMNS');

    // Adding a tag twice keeps one; removing the last tag removes the key.
    await tagColumns(table, { email: ['pii'] });
    expect(await tagsOn(table, 'email')).toEqual(['pii', 'pii:email']);
    await tagColumns(table, { email: ['pii', 'pii:email'] }, { remove: true });
    expect((await fieldOf(table, 'email')).metadata).toEqual({});
  });

  it('keeps column mapping keys and every other metadata key; the table still reads', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: USERS }, properties: { 'delta.columnMapping.mode': 'name' } });
    const before = (await fieldOf(table, 'email')).metadata;
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['delta.columnMapping.id', 'delta.columnMapping.physicalName']));
    await tagColumns(table, { email: ['pii:email'] });
    expect((await fieldOf(table, 'email')).metadata).toEqual({ ...before, [TAGS_KEY]: '["pii:email"]' });
    await table.renameColumn('email', 'mail');
    expect(await tagsOn(table, 'mail')).toEqual(['pii:email']);
    const scan = await table.scan();
    expect(await engine.query(`SELECT id, mail FROM (${await scan.sql()})`)).toEqual([{ id: 1, mail: 'a@x.org' }]);
  });

  it('keeps tags through appends, overwrites and schema evolution; an overwriteSchema replaces the schema and its tags', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: "SELECT 1 AS id, 'a@x.org' AS email" } });
    await tagColumns(table, { email: ['pii:email'] });
    await table.append({ sql: "SELECT 2 AS id, 'b@x.org' AS email" });
    expect(await tagsOn(table, 'email')).toEqual(['pii:email']);
    await table.overwrite({ sql: "SELECT 3 AS id, 'c@x.org' AS email" });
    expect(await tagsOn(table, 'email')).toEqual(['pii:email']);
    await table.append({ sql: "SELECT 4 AS id, 'd@x.org' AS email, 'x' AS note" }, { mergeSchema: true });
    expect(await tagsOn(table, 'email')).toEqual(['pii:email']);
    // overwriteSchema takes the data's schema, as Spark does: tags, like comments, must be set again.
    await table.overwrite({ sql: "SELECT 5 AS id, 'e@x.org' AS email" }, { overwriteSchema: true });
    expect(await tagsOn(table, 'email')).toEqual([]);
    // Older versions keep theirs.
    expect(tagsOf(((await table.snapshot({ version: 4 })).schema.fields[1] as StructField).metadata)).toEqual(['pii:email']);
  });

  it('refuses bad tags, too many tags and unknown columns with typed errors, committing nothing', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: USERS } });
    await expect(tagColumns(table, { email: ['pii email'] })).rejects.toMatchObject({ code: 'GOVERNANCE_TAG_INVALID' });
    await expect(tagColumns(table, { email: ['pii:'] })).rejects.toMatchObject({ code: 'GOVERNANCE_TAG_INVALID' });
    await expect(tagColumns(table, { email: ['a:b:c'] })).rejects.toMatchObject({ code: 'GOVERNANCE_TAG_INVALID' });
    await expect(tagColumns(table, { email: ['x'.repeat(65)] })).rejects.toMatchObject({ code: 'GOVERNANCE_TAG_INVALID' });
    await expect(tagColumns(table, { email: [] })).rejects.toMatchObject({ code: 'GOVERNANCE_TAG_INVALID' });
    await expect(tagColumns(table, {})).rejects.toMatchObject({ code: 'GOVERNANCE_TAG_INVALID' });
    const many = Array.from({ length: MAX_TAGS_PER_COLUMN + 1 }, (_, i) => `t${i}`);
    await expect(tagColumns(table, { email: many })).rejects.toMatchObject({ code: 'GOVERNANCE_TAG_LIMIT' });
    await expect(tagColumns(table, { nope: ['pii'] })).rejects.toMatchObject({ code: 'TABLE_COLUMN_NOT_FOUND' });
    await expect(tagColumns(table, { 'id.x': ['pii'] })).rejects.toMatchObject({ code: 'TABLE_ALTER_INVALID' });
    expect((await table.snapshot()).version).toBe(0);
  });
});

describe.runIf(referenceReadersAvailable())('a tagged table read by delta-rs', () => {
  it('reads the rows and sees the tags in the schema it parses', async () => {
    const dir = await tempDir('aquifer-tags-delta-rs-');
    await mkdir(path.join(dir, 'reads'));
    const { table } = await DeltaTable.create(path.join(dir, 'users'), { engine, data: { sql: USERS } });
    await tagColumns(table, { email: ['pii:email'] });
    const read = await new ReferenceReaders(referencePython() as string, path.join(dir, 'reads')).read(table.location, 'deltalake');
    assertRead(read);
    expect(read.version).toBe(1);
    expect(read.rows).toBe(1);
    const fields = (read.deltaSchema as { fields: { name: string; metadata: Record<string, unknown> }[] }).fields;
    expect(fields.find((f) => f.name === 'email')?.metadata).toEqual({ [TAGS_KEY]: '["pii:email"]' });
  });
});

describe.runIf(await deltaExtensionAvailable())("a tagged table read by DuckDB's delta extension", () => {
  it('reads the rows of the tagged version', async () => {
    const { table } = await DeltaTable.create(location(), { engine, data: { sql: USERS } });
    await tagColumns(table, { email: ['pii:email'], id: ['pii:id'] });
    // An engine of its own, loading extensions from where the guard found them (with or without AQUIFER_DUCKDB_EXTENSIONS).
    const reader = await Engine.create({ threads: 1, extensionDirectory: duckdbExtensionDirectory() });
    try {
      await reader.ensureExtension('delta');
      expect(await reader.query(`SELECT id, email FROM delta_scan('${table.location}')`)).toEqual([{ id: 1, email: 'a@x.org' }]);
    } finally {
      reader.close();
    }
  });
});
