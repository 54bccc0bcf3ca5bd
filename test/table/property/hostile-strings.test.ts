import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral } from '../../../src/engine/index.js';
import { IngestTarget, ingestFiles } from '../../../src/ingest/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { assertRead, referencePython, referenceReadersAvailable, ReferenceReaders } from '../../support/reference-readers.js';
import { seededRandom } from '../../support/random.js';
import { readableFields, rowDifference } from '../../support/row-comparison.js';
import { tableFixture } from '../../support/table-fixture.js';

/**
 * Random hostile strings driven through every place a value or a name reaches SQL or a
 * path: partition values (folders, the log, checkpoints, pruning), column names (top-level
 * and nested, with and without column mapping), string values (Parquet statistics and
 * data skipping), and predicates given as values (scans, deletes). After each step the
 * table must read back exactly the rows written. Seeded: a failure names its seed, and
 * the same seed repeats it.
 */

const fixture = tableFixture();

/** The characters that broke, or could break, quoting, escaping or paths. */
const PIECES = [
  '\0',
  "'",
  "''",
  '"',
  '\\',
  '\\\\',
  '%',
  '%25',
  '%2F',
  '/',
  '=',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '.',
  '..',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '$',
  '${x}',
  ':',
  ',',
  ';',
  '--',
  '/*',
  'ü',
  'é',
  'e\u0301',
  '\u0301',
  '😀',
  '𝔸',
  '👩‍👩‍👧',
  '\u202e',
  'שלום',
  'مرحبا',
  '\u200b',
  '\ufeff',
  'NULL',
  'null',
  '__HIVE_DEFAULT_PARTITION__',
  'a',
];

function hostile(random: () => number, maxPieces: number): string {
  const count = 1 + Math.floor(random() * maxPieces);
  let out = '';
  for (let i = 0; i < count; i++) out += PIECES[Math.floor(random() * PIECES.length)] as string;
  return out;
}

/** A very long value: statistics truncate long strings, and must still never exclude a matching file. */
function long(random: () => number): string {
  return hostile(random, 4).repeat(200 + Math.floor(random() * 200));
}

interface Case {
  seed: number;
  mapping: boolean;
  names: { key: string; value: string; part: string; nested: string; field: string };
  values: string[];
  parts: string[];
}

/** Seed 0: the strings that broke reads and ingests before (NUL partition values, names ending in a backslash, a leading byte order mark). */
const KNOWN: Case = {
  seed: 0,
  mapping: false,
  names: { key: 'k\\', value: 'v"\\', part: "p'\\", nested: 's\\', field: 'f\\"' },
  values: ['a\0b'.repeat(500), '\uFEFFx', '\0', "\\'", '%00', '\\0'],
  parts: ['\uFEFFx\0y', 'x\0y', '\uFEFF'],
};

function makeCase(seed: number): Case {
  if (seed === 0) return KNOWN;
  const random = seededRandom(seed);
  const used = new Set<string>();
  // Column names are compared case-insensitively by DuckDB: keep them apart, and never empty.
  // No NUL in names: SQL cannot spell one (the writer refuses such a name, tested apart).
  const name = (prefix: string) => {
    for (;;) {
      const candidate = `${prefix}${hostile(random, 4)}`.replaceAll('\0', '');
      if (!used.has(candidate.toLowerCase())) {
        used.add(candidate.toLowerCase());
        return candidate;
      }
    }
  };
  const values = Array.from({ length: 6 }, (_, i) => (i === 0 ? long(random) : hostile(random, 6)));
  const parts = Array.from({ length: 3 }, () => hostile(random, 4));
  return { seed, mapping: seed % 2 === 1, names: { key: name('k'), value: name('v'), part: name('p'), nested: name('s'), field: name('f') }, values, parts };
}

/** The rows of a case as SQL: a key, a string value, a partition value, a struct with a hostile field name. */
function rowsSql(c: Case, from: number, to: number): string {
  const rows: string[] = [];
  for (let i = from; i < to; i++) {
    const value = c.values[i % c.values.length] as string;
    const part = c.parts[i % c.parts.length] as string;
    rows.push(`(${i}, ${quoteLiteral(value)}, ${quoteLiteral(part)}, ${quoteLiteral(value + part)})`);
  }
  const n = c.names;
  return `SELECT k AS ${quoteIdent(n.key)}, v AS ${quoteIdent(n.value)}, p AS ${quoteIdent(n.part)}, struct_pack(${quoteIdent(n.field)} := f) AS ${quoteIdent(n.nested)} FROM (VALUES ${rows.join(', ')}) AS t(k, v, p, f)`;
}

/** The same rows as `rowsSql`, as JSON lines keyed by the hostile names. */
function jsonLines(c: Case, from: number, to: number): string {
  const n = c.names;
  const lines: string[] = [];
  for (let i = from; i < to; i++) {
    const value = c.values[i % c.values.length] as string;
    const part = c.parts[i % c.parts.length] as string;
    lines.push(JSON.stringify({ [n.key]: i, [n.value]: value, [n.part]: part, [n.nested]: { [n.field]: value + part } }));
  }
  return lines.join('\n') + '\n';
}

const SEEDS = [0, ...Array.from({ length: 12 }, (_, i) => 1000 + i)];

describe('hostile strings in values and names', () => {
  it.each(SEEDS)(
    'a table written with the strings of seed %i reads back exactly after appends, checkpoints, pruned scans, deletes, ingests, overwrites, updates and optimize',
    async (seed) => {
      const c = makeCase(seed);
      const engine = fixture.engine();
      const location = fixture.location();
      const n = c.names;
      const properties: Record<string, string> = { 'delta.checkpointInterval': '1000' };
      if (c.mapping) properties['delta.columnMapping.mode'] = 'name';
      const { table } = await DeltaTable.create(location, { engine, data: { sql: rowsSql(c, 0, 12) }, partitionColumns: [n.part], properties });
      await table.append({ sql: rowsSql(c, 12, 24) });
      let expected = `SELECT * FROM (${rowsSql(c, 0, 24)})`;
      const check = async (step: string) => {
        const fresh = await DeltaTable.open(location, { engine });
        const snapshot = await fresh.snapshot();
        const scan = await fresh.scan();
        expect(await rowDifference(engine, readableFields(snapshot), await scan.sql(), `(${expected})`), `seed ${seed}, ${step}`).toBeUndefined();
        // Predicates on each value: through partition pruning, statistics and the row filter.
        for (const [column, value] of [
          [n.value, c.values[0] as string],
          [n.value, c.values[1] as string],
          [n.part, c.parts[0] as string],
        ] as const) {
          const where = `${quoteIdent(column)} = ${quoteLiteral(value)}`;
          const filtered = await fresh.scan({ where });
          expect(
            await rowDifference(engine, readableFields(snapshot), await filtered.sql(), `(SELECT * FROM (${expected}) WHERE ${where})`),
            `seed ${seed}, ${step}, where ${JSON.stringify(where)}`,
          ).toBeUndefined();
        }
      };
      await check('after an append');
      await table.checkpoint();
      await check('after a checkpoint');
      const doomed = `${quoteIdent(n.part)} = ${quoteLiteral(c.parts[1] as string)} OR ${quoteIdent(n.value)} = ${quoteLiteral(c.values[2] as string)}`;
      await table.delete(doomed);
      expected = `SELECT * FROM (${expected}) WHERE NOT (${doomed})`;
      await check('after a delete');
      await table.append({ sql: rowsSql(c, 24, 30) });
      expected = `SELECT * FROM (${expected}) UNION ALL ${rowsSql(c, 24, 30)}`;
      await check('after an append past the checkpoint');
      // Records ingested as JSON lines reach the columns through JSON paths built from their names.
      const file = path.join(path.dirname(location), `ingest-${seed}.jsonl`);
      await fs.writeFile(file, jsonLines(c, 30, 36));
      const ingested = await ingestFiles(engine, await IngestTarget.open(location, { engine }), { files: file });
      expect(ingested.quarantined, `seed ${seed}: quarantined ingested records`).toBe(0);
      expected = `SELECT * FROM (${expected}) UNION ALL ${rowsSql(c, 30, 36)}`;
      await check('after a file ingest');
      // An overwrite of one partition, named by its hostile value.
      const partition = `${quoteIdent(n.part)} = ${quoteLiteral(c.parts[2] as string)}`;
      const replacement = `SELECT * FROM (${rowsSql(c, 40, 46)}) WHERE ${partition}`;
      await table.overwrite({ sql: replacement }, { where: partition });
      expected = `SELECT * FROM (${expected}) WHERE NOT (${partition}) UNION ALL ${replacement}`;
      await check('after a partition overwrite');
      // An update setting a hostile value, then a compaction rewriting every partition.
      const updated = c.values[3] as string;
      await table.update({ set: { [n.value]: quoteLiteral(updated) }, where: `${quoteIdent(n.key)} % 4 = 1` });
      expected = `SELECT * REPLACE (CASE WHEN ${quoteIdent(n.key)} % 4 = 1 THEN ${quoteLiteral(updated)} ELSE ${quoteIdent(n.value)} END AS ${quoteIdent(n.value)}) FROM (${expected})`;
      await check('after an update');
      await table.optimize();
      await check('after optimize');
    },
  );
});

describe('names SQL cannot spell', () => {
  it('refuses a column name holding NUL, top-level or nested, and leaves no table behind', async () => {
    const engine = fixture.engine();
    const location = fixture.location();
    await expect(DeltaTable.create(location, { engine, data: { rows: [{ 'a\0b': 1 }] } })).rejects.toMatchObject({ code: 'TABLE_SCHEMA_INVALID' });
    await expect(DeltaTable.create(location, { engine, data: { rows: [{ s: { '\0': 1 } }] } })).rejects.toMatchObject({ code: 'TABLE_SCHEMA_INVALID' });
    await expect(DeltaTable.open(location, { engine }).then((t) => t.snapshot())).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });

  it('refuses renaming a column to a name holding NUL, and reads on', async () => {
    const engine = fixture.engine();
    const { table } = await DeltaTable.create(fixture.location(), {
      engine,
      data: { sql: `SELECT 1 AS "a\\"` },
      properties: { 'delta.columnMapping.mode': 'name' },
    });
    await expect(table.renameColumn('a\\', 'b\0')).rejects.toMatchObject({ code: 'TABLE_SCHEMA_INVALID' });
    await table.renameColumn('a\\', 'b"\\');
    expect(await (await table.scan()).rows()).toEqual([{ 'b"\\': 1 }]);
  });
});

describe('partition values too long for a folder name', () => {
  it('refuses them with a typed error, and the table reads on', async () => {
    const engine = fixture.engine();
    const { table } = await DeltaTable.create(fixture.location(), { engine, data: { sql: `SELECT 'a' AS p, 1 AS v` }, partitionColumns: ['p'] });
    await expect(table.append({ sql: `SELECT repeat('ü', 200) AS p, 2 AS v` })).rejects.toMatchObject({ code: 'WRITE_PARTITION_VALUE_TOO_LONG' });
    expect(await (await table.scan()).rows()).toEqual([{ p: 'a', v: 1 }]);
  });
});

const readers = referenceReadersAvailable();

describe.runIf(readers)('hostile strings read by delta-rs', () => {
  let scratch: string;
  let reference: ReferenceReaders;
  beforeAll(async () => {
    scratch = path.join(path.dirname(fixture.location()), 'reads');
    await fs.mkdir(scratch, { recursive: true });
    reference = new ReferenceReaders(referencePython() as string, scratch);
  });
  afterAll(() => undefined);

  it.each(SEEDS.slice(0, 5))('delta-rs reads the table of seed %i with exactly the rows Aquifer wrote', async (seed) => {
    const c = makeCase(seed);
    const engine = fixture.engine();
    const location = fixture.location();
    const properties: Record<string, string> = c.mapping ? { 'delta.columnMapping.mode': 'name' } : {};
    await DeltaTable.create(location, { engine, data: { sql: rowsSql(c, 0, 12) }, partitionColumns: [c.names.part], properties });
    // delta-rs reads column-mapped tables only through DataFusion.
    const read = await reference.read(location, c.mapping ? 'deltalake-sql' : 'deltalake');
    assertRead(read);
    const snapshot = await (await DeltaTable.open(location, { engine })).snapshot();
    expect(
      await rowDifference(engine, readableFields(snapshot), `SELECT * FROM read_parquet(${quoteLiteral(read.output)})`, `(${rowsSql(c, 0, 12)})`),
      `seed ${seed}`,
    ).toBeUndefined();
  });
});
