import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine, quoteLiteral } from '../../../src/engine/index.js';
import { FILE_APP_PREFIX, ingestFiles, IngestTarget, type FileIngestOptions } from '../../../src/ingest/index.js';
import { DeltaTable, decimal, field, primitive, struct, TableWriter, type StagedWrite, type StructType } from '../../../src/table/index.js';
import { byColumn, quarantineRows, tableRows, tableVersion } from '../../support/ingest.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let root: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-file-source-');
});
afterAll(() => engine.close());
afterEach(() => {
  vi.restoreAllMocks();
});

/** A fresh folder for one test's files and table. */
async function workspace(): Promise<{ dir: string; table: string; file: (name: string, content: string) => Promise<string> }> {
  const dir = path.join(root, `w${counter++}`);
  await mkdir(path.join(dir, 'landing'), { recursive: true });
  return {
    dir,
    table: path.join(dir, 'events'),
    file: async (name, content) => {
      const at = path.join(dir, 'landing', name);
      await writeFile(at, content);
      return at;
    },
  };
}

async function parquet(at: string, sql: string): Promise<string> {
  await engine.run(`COPY (${sql}) TO ${quoteLiteral(at)} (FORMAT parquet)`);
  return at;
}

const SCHEMA: StructType = struct([
  field('id', primitive('long'), false),
  field('name', primitive('string')),
  field('amount', primitive('double')),
  field('day', primitive('date')),
]);
/** Like SCHEMA but every column nullable: CSV then takes DuckDB's single-pass path. */
const NULLABLE: StructType = struct(SCHEMA.fields.map((f) => ({ ...f, nullable: true })));

async function existing(location: string, schema: StructType = SCHEMA): Promise<void> {
  await DeltaTable.create(location, { engine, schema });
}

/** Checks go to both the target and ingestFiles: JSON lines read the first, CSV the second (see the bug below). */
async function ingest(location: string, options: FileIngestOptions, create = true) {
  const target = await IngestTarget.open(location, {
    engine,
    createIfMissing: create ? {} : false,
    ...(options.checks === undefined ? {} : { checks: options.checks }),
  });
  return ingestFiles(engine, target, options);
}

const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r['id'])).sort((a, b) => a - b);

describe('loading files into a new table', () => {
  it('creates the table from a CSV file with the types DuckDB infers', async () => {
    const w = await workspace();
    await w.file('a.csv', 'id,name,amount,day\n1,ann,10.5,2024-05-01\n2,bob,3.25,2024-05-02\n');
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*.csv') });
    expect(result).toMatchObject({ accepted: 2, quarantined: 0, alreadyLoaded: 0 });
    const snapshot = await (await DeltaTable.open(w.table, { engine })).snapshot();
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', primitive('long')],
      ['name', primitive('string')],
      ['amount', primitive('double')],
      ['day', primitive('date')],
    ]);
    expect((await tableRows(engine, w.table)).sort(byColumn('id'))).toEqual([
      { id: '1', name: 'ann', amount: 10.5, day: '2024-05-01' },
      { id: '2', name: 'bob', amount: 3.25, day: '2024-05-02' },
    ]);
  });

  it('creates the table from a JSON lines file with the types DuckDB infers', async () => {
    const w = await workspace();
    await w.file('a.jsonl', '{"id": 1, "name": "ann", "amount": 10.5}\n{"id": 2, "name": "bob", "amount": 3.25}\n');
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*.jsonl') });
    expect(result).toMatchObject({ accepted: 2, quarantined: 0 });
    const snapshot = await (await DeltaTable.open(w.table, { engine })).snapshot();
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', primitive('long')],
      ['name', primitive('string')],
      ['amount', primitive('double')],
    ]);
    expect((await tableRows(engine, w.table)).sort(byColumn('id'))).toEqual([
      { id: '1', name: 'ann', amount: 10.5 },
      { id: '2', name: 'bob', amount: 3.25 },
    ]);
  });

  it("creates the table from a Parquet file with the file's own column types", async () => {
    const w = await workspace();
    await parquet(path.join(w.dir, 'landing', 'a.parquet'), "SELECT range::INTEGER AS id, 'n' || range AS name, range * 0.5 AS amount FROM range(3)");
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*.parquet') });
    expect(result).toMatchObject({ accepted: 3, quarantined: 0 });
    const snapshot = await (await DeltaTable.open(w.table, { engine })).snapshot();
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', primitive('integer')],
      ['name', primitive('string')],
      ['amount', { kind: 'decimal', precision: 21, scale: 1 }],
    ]);
    expect(ids(await tableRows(engine, w.table))).toEqual([0, 1, 2]);
  });

  it('refuses to create the table when told not to, writing nothing', async () => {
    const w = await workspace();
    await w.file('a.csv', 'id\n1\n');
    await expect(ingest(w.table, { files: path.join(w.dir, 'landing', '*.csv') }, false)).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    expect(await quarantineRows(engine, w.table)).toEqual([]);
  });
});

describe('loading files into an existing table', () => {
  it("loads CSV (columns in another order and case), JSON lines and Parquet into the table's types", async () => {
    const w = await workspace();
    await existing(w.table);
    await w.file('1.csv', 'AMOUNT,Id,name,day\n10.5,1,ann,2024-05-01\n3.25,2,bob,2024-05-02\n');
    await w.file('2.jsonl', '{"id": 3, "name": "cy", "amount": 7, "day": "2024-05-03"}\n{"id": 4, "amount": 1.5}\n');
    // A Parquet file without the nullable day column, and with columns in another order.
    await parquet(path.join(w.dir, 'landing', '3.parquet'), "SELECT 'dee' AS name, 5::BIGINT AS id, 2.0::DOUBLE AS amount");
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*') });
    expect(result).toMatchObject({ accepted: 5, quarantined: 0, alreadyLoaded: 0 });
    expect(result.files.map((f) => [path.basename(f.file), f.accepted])).toEqual([
      ['1.csv', 2],
      ['2.jsonl', 2],
      ['3.parquet', 1],
    ]);
    expect((await tableRows(engine, w.table)).sort(byColumn('id'))).toEqual([
      { id: '1', name: 'ann', amount: 10.5, day: '2024-05-01' },
      { id: '2', name: 'bob', amount: 3.25, day: '2024-05-02' },
      { id: '3', name: 'cy', amount: 7, day: '2024-05-03' },
      { id: '4', name: null, amount: 1.5, day: null },
      { id: '5', name: 'dee', amount: 2, day: null },
    ]);
    // The schema is the table's, untouched by the files.
    expect((await (await DeltaTable.open(w.table, { engine })).snapshot()).schema).toEqual(SCHEMA);
  });

  it('commits each file on its own, with its absolute path as a txn appId', async () => {
    const w = await workspace();
    await existing(w.table);
    const a = await w.file('a.csv', 'id\n1\n');
    const b = await w.file('b.jsonl', '{"id": 2}\n');
    const result = await ingest(w.table, { files: [path.join(w.dir, 'landing', '*.csv'), path.join(w.dir, 'landing', '*.jsonl')] });
    expect(result.files.map((f) => f.version)).toEqual([1, 2]);
    expect(result.version).toBe(2);
    const snapshot = await (await DeltaTable.open(w.table, { engine })).snapshot();
    expect(snapshot.txnVersion(FILE_APP_PREFIX + a)).toBe(0);
    expect(snapshot.txnVersion(FILE_APP_PREFIX + b)).toBe(0);
  });
});

describe('incremental loading', () => {
  it('loads nothing again when re-run over the same glob, and counts the files as already loaded', async () => {
    const w = await workspace();
    await w.file('a.csv', 'id,name\n1,a\n2,b\n');
    await w.file('b.jsonl', '{"id": 3, "name": "c"}\n');
    await parquet(path.join(w.dir, 'landing', 'c.parquet'), "SELECT 4::BIGINT AS id, 'd' AS name");
    const glob = path.join(w.dir, 'landing', '*');
    const first = await ingest(w.table, { files: glob });
    expect(first).toMatchObject({ accepted: 4, alreadyLoaded: 0 });
    const version = await tableVersion(engine, w.table);

    const again = await ingest(w.table, { files: glob });
    expect(again).toMatchObject({ files: [], alreadyLoaded: 3, accepted: 0, quarantined: 0 });
    expect(await tableVersion(engine, w.table)).toBe(version);
    expect(ids(await tableRows(engine, w.table))).toEqual([1, 2, 3, 4]);
  });

  it('loads a file matched later on its own', async () => {
    const w = await workspace();
    await w.file('day1.csv', 'id,name\n1,a\n');
    const glob = path.join(w.dir, 'landing', 'day*.csv');
    await ingest(w.table, { files: glob });
    const later = await w.file('day2.csv', 'id,name\n2,b\n3,c\n');
    const result = await ingest(w.table, { files: glob });
    expect(result.alreadyLoaded).toBe(1);
    expect(result.files).toEqual([{ file: later, accepted: 2, quarantined: 0, version: 2 }]);
    expect(ids(await tableRows(engine, w.table))).toEqual([1, 2, 3]);
  });
});

describe('bad CSV lines', () => {
  const BAD_CSV = [
    'id,name,amount,day',
    '1,ann,10.5,2024-05-01', // line 2
    '2,bob,1.0,2024-05-02,surplus', // line 3: too many columns
    '3,cy,oops,2024-05-03', // line 4: 'oops' is no DOUBLE
    '4,dee,4.5,2024-05-04', // line 5
    'five,eve,5,2024-05-05', // line 6: 'five' is no BIGINT
    '6,fay,6', // line 7: too few columns
    '7,gus,7.5,2024-05-07', // line 8
  ].join('\n');

  for (const [label, schema] of [
    ['with nullable columns (single pass)', NULLABLE],
    ['with a non-nullable column (checked pass)', SCHEMA],
  ] as const) {
    it(`quarantines unparseable and unconvertible lines with their line number and raw line, and loads the good rows, ${label}`, async () => {
      const w = await workspace();
      await existing(w.table, schema);
      const file = await w.file('bad.csv', `${BAD_CSV}\n`);
      const result = await ingest(w.table, { files: file });
      expect(result).toMatchObject({ accepted: 3, quarantined: 4 });
      expect(ids(await tableRows(engine, w.table))).toEqual([1, 4, 7]);
      const quarantined = await quarantineRows(engine, w.table);
      expect(quarantined.map((q) => [q.reason, q.source, q.payload])).toEqual([
        ['PARSE_ERROR', { kind: 'file', file, line: 3 }, '2,bob,1.0,2024-05-02,surplus'],
        ['TYPE_MISMATCH', { kind: 'file', file, line: 4 }, '3,cy,oops,2024-05-03'],
        ['TYPE_MISMATCH', { kind: 'file', file, line: 6 }, 'five,eve,5,2024-05-05'],
        ['PARSE_ERROR', { kind: 'file', file, line: 7 }, '6,fay,6'],
      ]);
      expect(quarantined.every((q) => q.sourceKind === 'file' && (q.message ?? '') !== '')).toBe(true);
    });
  }
});

describe('bad CSV lines, continued', () => {
  it('quarantines a line with several unconvertible values once (single pass)', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('two.csv', 'id,name,amount,day\n1,ann,1.5,2024-05-01\nx,bob,oops,2024-05-02\n');
    const result = await ingest(w.table, { files: file });
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
    expect((await quarantineRows(engine, w.table)).map((q) => [q.reason, q.source['line']])).toEqual([['TYPE_MISMATCH', 3]]);
  });

  it('quarantines a line with several unconvertible values once (checked pass, with a rule)', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('two.csv', 'id,name,amount,day\n1,ann,1.5,2024-05-01\nx,bob,oops,2024-05-02\n');
    const result = await ingest(w.table, { files: file, checks: { rules: [{ name: 'positive', sql: 'amount >= 0' }] } });
    const quarantined = await quarantineRows(engine, w.table);
    expect(quarantined.map((q) => [q.reason, q.source['line']])).toEqual([['TYPE_MISMATCH', 3]]);
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
  });
});

describe('bad JSON lines', () => {
  it('quarantines invalid JSON, non-objects, unknown fields, wrong types and missing required fields with file and line, and loads the rest', async () => {
    const w = await workspace();
    await existing(w.table);
    const file = await w.file(
      'bad.jsonl',
      [
        '{"id": 1, "name": "ann", "amount": 1.5, "day": "2024-05-01"}', // 1
        '{"id": 2, "name": ', // 2: not JSON
        '[3, "cy"]', // 3: not an object
        '', // 4: blank, skipped
        '{"id": 5, "nickname": "eve"}', // 5: unknown field
        '{"id": "six", "name": "fay"}', // 6: string for a long
        '{"id": 7, "amount": "a lot"}', // 7: string for a double
        '{"id": 8.5}', // 8: fraction for a long
        '{"name": "gus"}', // 9: id missing
        '{"id": null, "name": "hal"}', // 10: id null
        '{"id": 11, "day": "not a date"}', // 11: unconvertible date
        '{"id": 12}\r', // 12: CRLF line end
      ].join('\n') + '\n',
    );
    const result = await ingest(w.table, { files: file });
    expect(result).toMatchObject({ accepted: 2, quarantined: 9 });
    expect(ids(await tableRows(engine, w.table))).toEqual([1, 12]);
    const quarantined = await quarantineRows(engine, w.table);
    expect(quarantined.map((q) => [q.source['line'], q.reason]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [2, 'PARSE_ERROR'],
      [3, 'PARSE_ERROR'],
      [5, 'UNKNOWN_FIELD'],
      [6, 'TYPE_MISMATCH'],
      [7, 'TYPE_MISMATCH'],
      [8, 'TYPE_MISMATCH'],
      [9, 'MISSING_REQUIRED'],
      [10, 'MISSING_REQUIRED'],
      [11, 'TYPE_MISMATCH'],
    ]);
    for (const q of quarantined) {
      expect(q.source).toMatchObject({ kind: 'file', file });
      expect(q.sourceKind).toBe('file');
    }
    // The raw line is kept as it was.
    expect(quarantined.find((q) => q.source['line'] === 2)?.payload).toBe('{"id": 2, "name": ');
  });

  it('drops unknown fields instead when told to ignore them', async () => {
    const w = await workspace();
    await existing(w.table);
    const file = await w.file('extra.jsonl', '{"id": 1, "nickname": "ann"}\n');
    const result = await ingest(w.table, { files: file, checks: { unknownFields: 'ignore' } });
    expect(result).toMatchObject({ accepted: 1, quarantined: 0 });
    expect(await tableRows(engine, w.table)).toEqual([{ id: '1', name: null, amount: null, day: null }]);
  });
});

describe('rules', () => {
  const positive = { name: 'positive', sql: 'amount >= 0' };

  it('quarantines JSON lines failing a rule (false or null) as RULE_FAILED', async () => {
    const w = await workspace();
    await existing(w.table);
    const file = await w.file('r.jsonl', '{"id": 1, "amount": 5}\n{"id": 2, "amount": -1}\n{"id": 3, "amount": null}\n{"id": 4}\n{"id": 5, "amount": 0}\n');
    const result = await ingest(w.table, { files: file, checks: { rules: [positive] } });
    expect(result).toMatchObject({ accepted: 2, quarantined: 3 });
    expect(ids(await tableRows(engine, w.table))).toEqual([1, 5]);
    expect((await quarantineRows(engine, w.table)).map((q) => [q.source['line'], q.reason])).toEqual([
      [2, 'RULE_FAILED'],
      [3, 'RULE_FAILED'],
      [4, 'RULE_FAILED'],
    ]);
  });

  it('quarantines CSV rows failing a rule as RULE_FAILED, next to the lines DuckDB rejects', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('r.csv', 'id,amount\n1,5\n2,-1\n3,oops\n4,0\n');
    const result = await ingest(w.table, { files: file, checks: { rules: [positive] } });
    expect(result).toMatchObject({ accepted: 2, quarantined: 2 });
    expect(ids(await tableRows(engine, w.table))).toEqual([1, 4]);
    const quarantined = await quarantineRows(engine, w.table);
    expect(quarantined.map((q) => q.reason).sort()).toEqual(['RULE_FAILED', 'TYPE_MISMATCH']);
    expect(quarantined.every((q) => q.source['file'] === file)).toBe(true);
    expect(quarantined.find((q) => q.reason === 'TYPE_MISMATCH')?.source['line']).toBe(4);
  });

  it('applies the checks given to ingestFiles to JSON-lines files, not only to CSV', async () => {
    const w = await workspace();
    await existing(w.table);
    const file = await w.file('r.jsonl', '{"id": 1, "amount": 5}\n{"id": 2, "amount": -1}\n');
    const target = await IngestTarget.open(w.table, { engine });
    const result = await ingestFiles(engine, target, { files: file, checks: { rules: [positive] } });
    expect(ids(await tableRows(engine, w.table))).toEqual([1]);
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
  });

  it('quarantines Parquet rows failing a rule as RULE_FAILED', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await parquet(path.join(w.dir, 'landing', 'r.parquet'), 'SELECT * FROM (VALUES (1::BIGINT, 5.0::DOUBLE), (2, -1.0)) t(id, amount)');
    const result = await ingest(w.table, { files: file, checks: { rules: [positive] } });
    expect(ids(await tableRows(engine, w.table))).toEqual([1]);
    expect((await quarantineRows(engine, w.table)).map((q) => q.reason)).toEqual(['RULE_FAILED']);
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
  });
});

describe('files whose columns cannot be matched', () => {
  it('quarantines a CSV file with a column the table lacks whole, as FILE_SCHEMA_MISMATCH, and does not retry it', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('extra.csv', 'id,colour\n1,red\n2,blue\n');
    const result = await ingest(w.table, { files: file });
    expect(result).toMatchObject({ accepted: 0, quarantined: 1, alreadyLoaded: 0 });
    expect(await tableRows(engine, w.table)).toEqual([]);
    const quarantined = await quarantineRows(engine, w.table);
    expect(quarantined.map((q) => [q.reason, q.source])).toEqual([['FILE_SCHEMA_MISMATCH', { kind: 'file', file }]]);

    const again = await ingest(w.table, { files: file });
    expect(again).toMatchObject({ files: [], alreadyLoaded: 1, quarantined: 0 });
    expect(await quarantineRows(engine, w.table)).toHaveLength(1);
  });

  it('quarantines a CSV file without a required column whole', async () => {
    const w = await workspace();
    await existing(w.table);
    const file = await w.file('noid.csv', 'name,amount\nann,1\n');
    expect(await ingest(w.table, { files: file })).toMatchObject({ accepted: 0, quarantined: 1 });
    expect((await quarantineRows(engine, w.table)).map((q) => q.reason)).toEqual(['FILE_SCHEMA_MISMATCH']);
  });

  it('quarantines a Parquet file with a column the table lacks whole, and loads the other files of the glob', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    await parquet(path.join(w.dir, 'landing', 'a.parquet'), "SELECT 1::BIGINT AS id, 'red' AS colour");
    await w.file('b.csv', 'id\n2\n');
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*') });
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
    expect(ids(await tableRows(engine, w.table))).toEqual([2]);
    expect((await quarantineRows(engine, w.table)).map((q) => q.reason)).toEqual(['FILE_SCHEMA_MISMATCH']);
  });

  it('loads a CSV file with a column the table lacks when unknown fields are ignored', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('extra.csv', 'id,colour\n1,red\n');
    expect(await ingest(w.table, { files: file, checks: { unknownFields: 'ignore' } })).toMatchObject({ accepted: 1, quarantined: 0 });
    expect(ids(await tableRows(engine, w.table))).toEqual([1]);
  });

  it("quarantines a Parquet file whose column cannot be converted to the table's type instead of failing the load", async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const bad = await parquet(path.join(w.dir, 'landing', 'a.parquet'), "SELECT 'one' AS id");
    await w.file('b.csv', 'id\n2\n');
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*') });
    expect(ids(await tableRows(engine, w.table))).toEqual([2]);
    const quarantined = await quarantineRows(engine, w.table);
    expect(quarantined).toHaveLength(1);
    expect(['FILE_SCHEMA_MISMATCH', 'TYPE_MISMATCH']).toContain(quarantined[0]?.reason);
    expect(quarantined[0]?.source['file']).toBe(bad);
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
  });

  it('quarantines Parquet rows with a NULL in a non-nullable column as MISSING_REQUIRED', async () => {
    const w = await workspace();
    await existing(w.table);
    await parquet(path.join(w.dir, 'landing', 'a.parquet'), 'SELECT * FROM (VALUES (NULL::BIGINT), (2::BIGINT)) t(id)');
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*') });
    expect(ids(await tableRows(engine, w.table))).toEqual([2]);
    expect((await quarantineRows(engine, w.table)).map((q) => q.reason)).toEqual(['MISSING_REQUIRED']);
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
  });

  it("does not fix a new table's schema from a JSON-lines file without any valid record", async () => {
    const w = await workspace();
    await w.file('1.jsonl', 'not json\n[1, 2]\n');
    expect(await ingest(w.table, { files: path.join(w.dir, 'landing', '1.jsonl') })).toMatchObject({ accepted: 0, quarantined: 2 });
    await w.file('2.jsonl', '{"id": 1, "name": "ann"}\n');
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*.jsonl') });
    expect(result).toMatchObject({ accepted: 1, quarantined: 0 });
    expect(await tableRows(engine, w.table)).toEqual([{ id: '1', name: 'ann' }]);
  });
});

describe('accounting', () => {
  it('puts every input record in the table or the quarantine, and the counts returned say how many went where', async () => {
    const w = await workspace();
    await existing(w.table);
    // 5 records: 3 good, a CSV line too long and one with an unconvertible value.
    await w.file('a.csv', 'id,name,amount,day\n1,a,1,2024-01-01\n2,b,2,2024-01-02,x\n3,c,oops,2024-01-03\n4,d,4,2024-01-04\n5,e,5,2024-01-05\n');
    // 6 records: 2 good, 4 bad of different kinds.
    await w.file('b.jsonl', '{"id": 6}\n{oops\n{"id": 7, "zz": 1}\n{"id": "8"}\n{"name": "n"}\n{"id": 9}\n');
    // 3 records, all good.
    await parquet(path.join(w.dir, 'landing', 'c.parquet'), 'SELECT range + 10 AS id FROM range(3)');
    const inputs = 5 + 6 + 3;
    const result = await ingest(w.table, { files: path.join(w.dir, 'landing', '*') });
    const rows = await tableRows(engine, w.table);
    const quarantined = await quarantineRows(engine, w.table);
    expect(result.accepted + result.quarantined).toBe(inputs);
    expect(rows).toHaveLength(result.accepted);
    expect(quarantined).toHaveLength(result.quarantined);
    expect(result.files.map((f) => [path.basename(f.file), f.accepted, f.quarantined])).toEqual([
      ['a.csv', 3, 2],
      ['b.jsonl', 2, 4],
      ['c.parquet', 3, 0],
    ]);
    expect(ids(rows)).toEqual([1, 4, 5, 6, 9, 10, 11, 12]);
  });
});

describe('a crash between the quarantine commit and the table commit', () => {
  const BAD_CSV = 'id,name,amount,day\n1,a,1,2024-01-01\n2,b,oops,2024-01-02\n3,c,3,2024-01-03,x\n4,d,4,2024-01-04\n';
  const BAD_JSONL = '{"id": 1}\n{oops\n{"id": 2, "zz": 1}\n{"id": 3}\n';

  /** Make the next commit of the table at `location` fail once, as if the process died there. */
  function crashTableCommitOnce(location: string): { crashed: () => boolean } {
    let tableId: string | undefined;
    let crashed = false;
    const original = TableWriter.prototype.commit;
    vi.spyOn(TableWriter.prototype, 'commit').mockImplementation(async function (
      this: TableWriter,
      staged: StagedWrite,
      extra?: readonly { appId: string; version: number }[],
    ) {
      tableId ??= (await (await DeltaTable.open(location, { engine })).snapshot()).metadata.id;
      if (!crashed && staged.snapshot.metadata.id === tableId) {
        crashed = true;
        // The staged data files stay behind unreferenced, as after a real crash.
        throw new Error('simulated crash before the table commit');
      }
      return original.call(this, staged, extra);
    });
    return { crashed: () => crashed };
  }

  async function expectExactlyOnce(location: string, file: string, goodIds: number[], badCount: number) {
    const retry = await ingest(location, { files: file });
    expect(retry.accepted).toBe(goodIds.length);
    expect(ids(await tableRows(engine, location))).toEqual(goodIds);
    const quarantined = await quarantineRows(engine, location);
    expect(quarantined).toHaveLength(badCount);
    expect(new Set(quarantined.map((q) => JSON.stringify(q.source))).size).toBe(badCount);
    // And the file now counts as loaded.
    expect(await ingest(location, { files: file })).toMatchObject({ files: [], alreadyLoaded: 1 });
    expect(await quarantineRows(engine, location)).toHaveLength(badCount);
  }

  it('loads a CSV file exactly once after another writer made its table commit fail (single pass, put-if-absent)', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('a.csv', BAD_CSV);
    const logDir = path.join(w.table, '_delta_log');
    const metaData = readFileSync(path.join(logDir, '00000000000000000000.json'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('{"metaData"'));
    expect(metaData).toBeDefined();
    let injected = false;
    // While the file's data is written (after the snapshot is read, before the quarantine and
    // table commits), another writer takes version 1 with a metadata change: the table commit
    // then conflicts, after the quarantine commit went through.
    const onProgress = () => {
      if (injected) return;
      injected = true;
      const commitInfo = JSON.stringify({ commitInfo: { timestamp: Date.now(), operation: 'SET TBLPROPERTIES', operationParameters: {}, engineInfo: 'test' } });
      writeFileSync(path.join(logDir, '00000000000000000001.json'), `${commitInfo}\n${metaData}\n`, { flag: 'wx' });
    };
    await expect(ingest(w.table, { files: file, onProgress })).rejects.toMatchObject({ code: 'COMMIT_CONFLICT' });
    expect(injected).toBe(true);
    // The crash point: the quarantine holds the bad lines, the table none of the file.
    expect(await quarantineRows(engine, w.table)).toHaveLength(2);
    expect(await tableRows(engine, w.table)).toEqual([]);
    await expectExactlyOnce(w.table, file, [1, 4], 2);
  });

  it('loads a JSON-lines file exactly once when the table commit failed after the quarantine commit', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('a.jsonl', BAD_JSONL);
    const hook = crashTableCommitOnce(w.table);
    await expect(ingest(w.table, { files: file })).rejects.toThrow('simulated crash');
    expect(hook.crashed()).toBe(true);
    expect(await quarantineRows(engine, w.table)).toHaveLength(2);
    expect(await tableRows(engine, w.table)).toEqual([]);
    await expectExactlyOnce(w.table, file, [1, 3], 2);
  });

  it('loads a CSV file with rules exactly once when the table commit failed after the quarantine commit', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await w.file('a.csv', BAD_CSV.replace('4,d,4,', '4,d,-4,') + '5,e,5,2024-01-05\n');
    const rules = [{ name: 'positive', sql: 'amount >= 0' }];
    const hook = crashTableCommitOnce(w.table);
    await expect(ingest(w.table, { files: file, checks: { rules } })).rejects.toThrow('simulated crash');
    expect(hook.crashed()).toBe(true);
    expect(await quarantineRows(engine, w.table)).toHaveLength(3);
    expect(await tableRows(engine, w.table)).toEqual([]);
    const retry = await ingest(w.table, { files: file, checks: { rules } });
    expect(retry.accepted).toBe(2);
    expect(ids(await tableRows(engine, w.table))).toEqual([1, 5]);
    expect(await quarantineRows(engine, w.table)).toHaveLength(3);
  });

  it('loads a Parquet file exactly once when its table commit failed', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    const file = await parquet(path.join(w.dir, 'landing', 'a.parquet'), 'SELECT range + 1 AS id FROM range(3)');
    const hook = crashTableCommitOnce(w.table);
    await expect(ingest(w.table, { files: file })).rejects.toThrow('simulated crash');
    expect(hook.crashed()).toBe(true);
    await expectExactlyOnce(w.table, file, [1, 2, 3], 0);
  });

  it('loads the files after a crash in the middle of a glob, and none of those before it again', async () => {
    const w = await workspace();
    await existing(w.table, NULLABLE);
    await w.file('1.jsonl', '{"id": 1}\n');
    await w.file('2.jsonl', '{"id": 2}\n{oops\n');
    await w.file('3.jsonl', '{"id": 3}\n');
    // Fail the second file's table commit: the first is committed, the third never started.
    let commits = 0;
    const original = TableWriter.prototype.commit;
    vi.spyOn(TableWriter.prototype, 'commit').mockImplementation(async function (
      this: TableWriter,
      staged: StagedWrite,
      extra?: readonly { appId: string; version: number }[],
    ) {
      const isTable = staged.snapshot.schema.fields.some((f) => f.name === 'id');
      if (isTable && ++commits === 2) throw new Error('simulated crash before the table commit');
      return original.call(this, staged, extra);
    });
    await expect(ingest(w.table, { files: path.join(w.dir, 'landing', '*.jsonl') })).rejects.toThrow('simulated crash');
    vi.restoreAllMocks();
    expect(ids(await tableRows(engine, w.table))).toEqual([1]);
    const retry = await ingest(w.table, { files: path.join(w.dir, 'landing', '*.jsonl') });
    expect(retry.alreadyLoaded).toBe(1);
    expect(retry.files.map((f) => [path.basename(f.file), f.accepted])).toEqual([
      ['2.jsonl', 1],
      ['3.jsonl', 1],
    ]);
    expect(ids(await tableRows(engine, w.table))).toEqual([1, 2, 3]);
    expect((await quarantineRows(engine, w.table)).map((q) => q.source['line'])).toEqual([2]);
  });
});

describe('values from files never change silently', () => {
  const utcText = async (location: string, column: string) =>
    (await tableRows(engine, location)).map((r) => r[column]).map((v) => (v === null ? null : new Date(String(v)).toISOString()));

  it('quarantines a JSON line that is not UTF-8 with its exact bytes in base64, and loads the other lines', async () => {
    const w = await workspace();
    const bad = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x32, 0x2c, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
    const at = path.join(w.dir, 'landing', 'a.jsonl');
    writeFileSync(at, Buffer.concat([Buffer.from('{"id": 1, "name": "ann"}\n'), bad, Buffer.from('\r\n{"id": 3, "name": "é"}\n')]));
    const result = await ingest(w.table, { files: at });
    expect(result).toMatchObject({ accepted: 2, quarantined: 1 });
    expect((await tableRows(engine, w.table)).sort(byColumn('id'))).toEqual([
      { id: '1', name: 'ann' },
      { id: '3', name: 'é' },
    ]);
    expect((await quarantineRows(engine, w.table)).map((q) => [q.reason, q.source['line'], q.payload])).toEqual([['INVALID_UTF8', 2, bad.toString('base64')]]);
  });

  it('quarantines a CSV line that is not UTF-8 with its exact bytes in base64, on both CSV paths', async () => {
    for (const schema of [NULLABLE, SCHEMA]) {
      const w = await workspace();
      await existing(w.table, schema);
      const bad = Buffer.concat([Buffer.from('2,b'), Buffer.from([0xff]), Buffer.from('b,1.5,2024-05-02')]);
      const at = path.join(w.dir, 'landing', 'a.csv');
      writeFileSync(at, Buffer.concat([Buffer.from('id,name,amount,day\n1,ann,10.5,2024-05-01\n'), bad, Buffer.from('\n3,"é",2,2024-05-03\n')]));
      expect(await ingest(w.table, { files: at }, false)).toMatchObject({ accepted: 2, quarantined: 1 });
      expect((await tableRows(engine, w.table)).map((r) => [Number(r['id']), r['name']]).sort()).toEqual([
        [1, 'ann'],
        [3, 'é'],
      ]);
      expect((await quarantineRows(engine, w.table)).map((q) => [q.reason, q.source['line'], q.payload])).toEqual([
        ['INVALID_UTF8', 3, bad.toString('base64')],
      ]);
    }
  });

  it('creates timestamp columns from JSON lines with offsets, keeping big integers whole', async () => {
    const w = await workspace();
    const at = await w.file('a.jsonl', '{"id": 9007199254740993, "at": "2024-05-01T10:00:00+02:00"}\n');
    await ingest(w.table, { files: at });
    const snapshot = await (await DeltaTable.open(w.table, { engine })).snapshot();
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', primitive('long')],
      ['at', primitive('timestamp')],
    ]);
    expect((await tableRows(engine, w.table)).map((r) => r['id'])).toEqual(['9007199254740993']);
    expect(await utcText(w.table, 'at')).toEqual(['2024-05-01T08:00:00.000Z']);
  });

  it('converts CSV timestamps with an offset to UTC and quarantines infinity and year-10000 dates (checked path)', async () => {
    const w = await workspace();
    const schema = struct([
      field('id', primitive('long'), false),
      field('ntz', primitive('timestamp_ntz')),
      field('ts', primitive('timestamp')),
      field('day', primitive('date')),
    ]);
    await existing(w.table, schema);
    const at = await w.file(
      'a.csv',
      'id,ntz,ts,day\n1,2024-05-01T10:00:00+02:00,2024-05-01T10:00:00-01:00,2024-05-01\n2,2024-05-01 10:00:00,,infinity\n3,,,10000-01-01\n',
    );
    const result = await ingest(w.table, { files: at }, false);
    expect(result).toMatchObject({ accepted: 1, quarantined: 2 });
    const [row] = await engine.query(
      `SELECT strftime(ntz, '%Y-%m-%dT%H:%M:%S') AS ntz, strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS ts, day::VARCHAR AS day FROM (SELECT '${String((await tableRows(engine, w.table))[0]?.['ntz'])}'::TIMESTAMP AS ntz, '${String((await tableRows(engine, w.table))[0]?.['ts'])}'::TIMESTAMPTZ AS ts, '${String((await tableRows(engine, w.table))[0]?.['day'])}'::DATE AS day)`,
    );
    expect(row).toEqual({ ntz: '2024-05-01T08:00:00', ts: '2024-05-01T11:00:00', day: '2024-05-01' });
    expect((await quarantineRows(engine, w.table)).map((q) => q.reason)).toEqual(['TYPE_MISMATCH', 'TYPE_MISMATCH']);
  });

  it('converts CSV timestamp_ntz values with an offset to their UTC time in the single pass', async () => {
    const w = await workspace();
    await existing(w.table, struct([field('id', primitive('long')), field('ntz', primitive('timestamp_ntz'))]));
    const at = await w.file('a.csv', 'id,ntz\n1,2024-05-01T10:00:00+02:00\n2,2024-05-01 10:00:00\n');
    expect(await ingest(w.table, { files: at }, false)).toMatchObject({ accepted: 2, quarantined: 0 });
    const rows = (await tableRows(engine, w.table)).sort(byColumn('id'));
    const read = await engine.query(
      `SELECT strftime(v::TIMESTAMP, '%Y-%m-%dT%H:%M:%S') AS v FROM (VALUES ${rows.map((r) => `('${String(r['ntz'])}')`).join(', ')}) t(v)`,
    );
    expect(read).toEqual([{ v: '2024-05-01T08:00:00' }, { v: '2024-05-01T10:00:00' }]);
  });

  it('quarantines infinity and year-10000 CSV dates and timestamps in the single pass too, loading the other rows once', async () => {
    const w = await workspace();
    await existing(w.table, struct([field('id', primitive('long')), field('day', primitive('date')), field('ts', primitive('timestamp'))]));
    const at = await w.file('a.csv', 'id,day,ts\n1,2024-05-01,2024-05-01T10:00:00Z\n2,infinity,\n3,,10000-01-01 00:00:00\n4,,\n');
    expect(await ingest(w.table, { files: at }, false)).toMatchObject({ accepted: 2, quarantined: 2 });
    expect((await tableRows(engine, w.table)).map((r) => Number(r['id'])).sort()).toEqual([1, 4]);
    expect((await quarantineRows(engine, w.table)).map((q) => q.reason)).toEqual(['TYPE_MISMATCH', 'TYPE_MISMATCH']);
    expect(await tableVersion(engine, w.table)).toBe(1);
  });

  it('quarantines a CSV decimal the column would round, on both CSV paths, and stores the others exactly', async () => {
    for (const nullable of [true, false]) {
      const w = await workspace();
      await existing(w.table, struct([field('id', primitive('long'), nullable), field('m', decimal(10, 2))]));
      const at = await w.file('a.csv', 'id,m\n1,1.2300\n2,1.239\n3,-0.5\n4,\n');
      expect(await ingest(w.table, { files: at }, false), String(nullable)).toMatchObject({ accepted: 3, quarantined: 1 });
      expect((await tableRows(engine, w.table)).map((r) => [Number(r['id']), r['m'] === null ? null : String(r['m'])]).sort()).toEqual([
        [1, '1.23'],
        [3, '-0.50'],
        [4, null],
      ]);
      expect((await quarantineRows(engine, w.table)).map((q) => q.reason)).toEqual(['TYPE_MISMATCH']);
    }
  });

  it('creates a string column from a CSV time of day and a timestamp column from offsets', async () => {
    const w = await workspace();
    const at = await w.file('a.csv', 'id,at,when\n1,10:00:00,2024-05-01T10:00:00+02:00\n');
    expect(await ingest(w.table, { files: at })).toMatchObject({ accepted: 1, quarantined: 0 });
    const snapshot = await (await DeltaTable.open(w.table, { engine })).snapshot();
    expect(snapshot.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', primitive('long')],
      ['at', primitive('string')],
      ['when', primitive('timestamp')],
    ]);
    expect((await tableRows(engine, w.table))[0]?.['at']).toBe('10:00:00');
    expect(await utcText(w.table, 'when')).toEqual(['2024-05-01T08:00:00.000Z']);
  });
});
