import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../../src/engine/index.js';
import { DeltaTable, type Snapshot } from '../../../src/table/index.js';

/**
 * File skipping must never change a result: for each predicate, the scan (which prunes
 * files by partition values and statistics) must return exactly the rows that a
 * brute-force read of every live data file, filtered by DuckDB, returns.
 */

const COLUMNS = ['id', 'part', 'k', 's', 'ts', 'd', 'n', 'dt', 'dec', 'big', 'st'];

/** Five writes with distinct ranges, so that files have distinct min/max statistics. */
const BATCHES = [
  // ids 0..99, partitions a/b; strings of 40 characters (longer than the 32-character stats prefix);
  // timestamps whose maximum (id 99) has sub-millisecond digits: 2024-01-01 00:01:39.123456.
  `SELECT range AS id,
          CASE WHEN range % 2 = 0 THEN 'a' ELSE 'b' END AS part,
          (range % 10)::INTEGER AS k,
          'prefix-common-0123456789-abcdefghij-' || lpad(range::VARCHAR, 4, '0') AS s,
          TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(range * 1000000 + 123456) AS ts,
          (range * 1.5)::DOUBLE AS d,
          range::INTEGER AS n,
          DATE '2024-01-01' + range::INTEGER AS dt,
          CAST(range AS DECIMAL(12,2)) + 0.25 AS dec,
          9223372036854775807 - range AS big,
          {'x': range::INTEGER, 'y': 'y' || range::VARCHAR} AS st
   FROM range(100)`,
  // ids 100..199, partitions b/c; one NaN double (id 150); n is NULL in every row.
  `SELECT range AS id,
          CASE WHEN range % 2 = 0 THEN 'b' ELSE 'c' END AS part,
          (10 + range % 10)::INTEGER AS k,
          'zeta-' || range::VARCHAR AS s,
          TIMESTAMPTZ '2024-06-01 12:00:00.000999+00' + to_microseconds(range * 1000) AS ts,
          CASE WHEN range = 150 THEN 'NaN'::DOUBLE ELSE range * 2.0 END AS d,
          CAST(NULL AS INTEGER) AS n,
          DATE '2024-06-01' + range::INTEGER AS dt,
          CAST(range AS DECIMAL(12,2)) + 0.5 AS dec,
          range * 1000 AS big,
          {'x': range::INTEGER, 'y': CAST(NULL AS VARCHAR)} AS st
   FROM range(100, 200)`,
  // ids 200..299, a NULL partition and partition a; some NULL strings; negative doubles; the BIGINT minimum.
  `SELECT range AS id,
          CASE WHEN range % 3 = 0 THEN NULL ELSE 'a' END AS part,
          (20 + range % 10)::INTEGER AS k,
          CASE WHEN range % 5 = 0 THEN NULL ELSE 'mid-' || range::VARCHAR END AS s,
          TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_microseconds(range * 1000000) AS ts,
          -range * 1.0 AS d,
          (range % 7)::INTEGER AS n,
          DATE '2025-01-01' + range::INTEGER AS dt,
          CAST(-range AS DECIMAL(12,2)) AS dec,
          -9223372036854775808 + range AS big,
          CASE WHEN range % 4 = 0 THEN NULL ELSE {'x': -range::INTEGER, 'y': 'mid'} END AS st
   FROM range(200, 300)`,
  // ids 300..399, partition d; strings of exactly 32 characters; infinities; some NULLs.
  `SELECT range AS id,
          'd' AS part,
          (30 + range % 10)::INTEGER AS k,
          'abcdefghijklmnopqrstuvwxyz01' || lpad(range::VARCHAR, 4, '0') AS s,
          TIMESTAMPTZ '2023-12-31 23:59:59.999999+00' - to_microseconds(range) AS ts,
          CASE WHEN range = 300 THEN 'Infinity'::DOUBLE WHEN range = 301 THEN '-Infinity'::DOUBLE ELSE range * 0.5 END AS d,
          CASE WHEN range % 2 = 0 THEN NULL ELSE range::INTEGER END AS n,
          DATE '2023-01-01' + range::INTEGER AS dt,
          CAST(range AS DECIMAL(12,2)) * 1000 AS dec,
          range AS big,
          {'x': range::INTEGER, 'y': 'z' || range::VARCHAR} AS st
   FROM range(300, 400)`,
  // ids 400..409, partition a; every other column NULL in this file.
  `SELECT range AS id,
          'a' AS part,
          CAST(NULL AS INTEGER) AS k,
          CAST(NULL AS VARCHAR) AS s,
          CAST(NULL AS TIMESTAMPTZ) AS ts,
          CAST(NULL AS DOUBLE) AS d,
          CAST(NULL AS INTEGER) AS n,
          CAST(NULL AS DATE) AS dt,
          CAST(NULL AS DECIMAL(12,2)) AS dec,
          CAST(NULL AS BIGINT) AS big,
          {'x': CAST(NULL AS INTEGER), 'y': CAST(NULL AS VARCHAR)} AS st
   FROM range(400, 410)`,
];

const PREDICATES = [
  // Partition column: exact.
  "part = 'a'",
  "'b' = part",
  "part <> 'a'",
  "part IN ('c', 'd')",
  'part IS NULL',
  'part IS NOT NULL',
  "part BETWEEN 'b' AND 'c'",
  "part > 'b'",
  // Integers.
  'k = 3',
  'k > 27',
  '5 > k',
  'k BETWEEN 12 AND 13',
  'k IN (11, 35, 99)',
  'k <> 3',
  'k = 3.5',
  "k = '13'",
  'id = 150',
  'id < 0',
  'id >= 399',
  'id IN (5, 205, 1000)',
  'id = 1e2',
  // 64-bit extremes.
  'big = 9223372036854775807',
  'big < -9223372036854775800',
  'big >= 9223372036854775800',
  'big = -9223372036854775708',
  // NULLs, and columns NULL in every row of some files.
  'n IS NULL',
  'n IS NOT NULL',
  'n = 5',
  'n <> 5',
  'n < 0 OR n IS NULL',
  's IS NULL',
  // Strings: long values with a shared prefix longer than the 32-character stats prefix.
  "s = 'prefix-common-0123456789-abcdefghij-0042'",
  "s > 'prefix-common-0123456789-abcdefghij-0098'",
  "s >= 'prefix-common-0123456789-abcdefghij-0099'",
  "s < 'prefix-common-0123456789-abcdefghij-0001'",
  "s <= 'prefix-common-0123456789-abcdefg'",
  "s BETWEEN 'prefix-common-0123456789-abcdefghij-0050' AND 'prefix-common-0123456789-abcdefghij-9999'",
  "s IN ('prefix-common-0123456789-abcdefghij-0007', 'zeta-150')",
  "s LIKE 'prefix-common-0123456789-abcdefghij-00%'",
  "s = 'abcdefghijklmnopqrstuvwxyz010399'",
  "s > 'abcdefghijklmnopqrstuvwxyz010398'",
  "s = 'zeta-199'",
  "s > 'zeta-198'",
  "s < 'a'",
  // Timestamps: the maximum has sub-millisecond digits that the statistics drop.
  "ts = TIMESTAMPTZ '2024-01-01 00:01:39.123456+00'",
  "ts >= TIMESTAMPTZ '2024-01-01 00:01:39.1234+00'",
  "ts > TIMESTAMP '2024-01-01 00:01:39.123'",
  "ts BETWEEN '2024-01-01 00:01:39.1232' AND '2024-01-01 00:01:40'",
  "ts = '2024-06-01 12:00:00.199999+00'",
  "ts > TIMESTAMPTZ '2024-06-01 12:00:00.199+00'",
  "ts <= TIMESTAMPTZ '2023-12-31 23:59:59.999601+00'",
  "ts < TIMESTAMPTZ '2023-12-31 23:59:59.9996+00'",
  "ts IN (TIMESTAMPTZ '2025-01-01 00:04:59+00', TIMESTAMPTZ '2024-01-01 00:00:00.123456+00')",
  // Doubles, with NaN and infinities.
  "d = 'NaN'::DOUBLE",
  'd > 1e300',
  "d >= 'Infinity'::DOUBLE",
  "d = '-Infinity'::DOUBLE",
  "d <= '-Infinity'::DOUBLE",
  'd < -100',
  'd = 1.5',
  'd BETWEEN 100 AND 200',
  "d <> 'NaN'::DOUBLE",
  // Dates and decimals.
  "dt = DATE '2024-01-05'",
  "dt > '2025-06-01'",
  'dec = 42.25',
  'dec > 300000',
  'dec BETWEEN -250.00 AND -249.00',
  'dec < -298.5',
  // AND / OR across partition and data columns.
  "part = 'a' OR k = 15",
  "part = 'b' AND id > 150",
  "(part = 'c' OR n IS NULL) AND ts >= TIMESTAMPTZ '2025-01-01 00:00:00+00'",
  'part IS NULL OR d < -250',
  "part = 'd' AND (s > 'abcdefghijklmnopqrstuvwxyz010390' OR d = 'NaN'::DOUBLE)",
  // Nested fields, column names in another case, quoted names.
  'st.x = 150',
  'st.x > 350',
  'st.x < -290',
  'st.x IS NULL',
  'st.y IS NULL',
  "st.y = 'y42'",
  'st IS NULL',
  'K = 3',
  "PART = 'c'",
  '"k" BETWEEN 31 AND 32',
  // Unknown to skipping: every file is kept.
  'NOT (k < 35 AND k > 5)',
  'k + 1 = 4',
];

let engine: Engine;
const roots: string[] = [];

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});
afterAll(async () => {
  engine?.close();
  await Promise.all(roots.map((root) => fs.rm(root, { recursive: true, force: true })));
});

async function newRoot(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-pruning-'));
  roots.push(root);
  return root;
}

async function count(sql: string): Promise<number> {
  const rows = await engine.query(`SELECT count(*) AS n FROM (${sql}) AS q`);
  return Number(rows[0]?.['n']);
}

/** Rows in one query's result and not in the other's, both ways, counting duplicates. */
async function difference(a: string, b: string): Promise<[number, number]> {
  return [await count(`(${a}) EXCEPT ALL (${b})`), await count(`(${b}) EXCEPT ALL (${a})`)];
}

/** Create a table from the first batch and append the others, one commit each. */
async function writeTable(
  root: string,
  batches: readonly string[],
  options: { partitionColumns: string[]; properties?: Record<string, string> },
): Promise<DeltaTable> {
  const [first, ...rest] = batches;
  const { table } = await DeltaTable.create(root, { engine, data: { sql: first as string }, ...options });
  for (const sql of rest) await table.append({ sql });
  return table;
}

/** The scan's rows for a filter must be exactly the oracle's rows with the same filter applied by DuckDB. */
async function expectSameRows(table: DeltaTable, columns: readonly string[], oracle: string, where: string): Promise<void> {
  const scan = await table.scan({ where });
  const plan = await scan.plan();
  const pruned = `SELECT ${columns.join(', ')} FROM (${plan.sql}) AS pruned`;
  const brute = `SELECT ${columns.join(', ')} FROM (${oracle}) AS t WHERE (${where})`;
  const expected = await count(brute);
  expect(await count(pruned)).toBe(expected);
  expect(await difference(pruned, brute)).toEqual([0, 0]);
  expect(await scan.count()).toBe(expected);
}

/** Every row written, straight from the batches' SQL. */
const WRITTEN = BATCHES.map((sql) => `SELECT ${COLUMNS.join(', ')} FROM (${sql})`).join(' UNION ALL ');

describe('file pruning on a partitioned table', () => {
  let root: string;
  let table: DeltaTable;
  let snapshot: Snapshot;
  /** A query over every live data file, with partition values joined in: no pruning at all. */
  let everyRow: string;

  beforeAll(async () => {
    root = await newRoot();
    table = await writeTable(root, BATCHES, { partitionColumns: ['part'] });
    snapshot = await table.snapshot();
    const files = snapshot.files.map((f) => ({ local: path.join(root, decodeURIComponent(f.path)), part: f.partitionValues['part'] ?? null }));
    const mapping = files.map((f) => `(${quoteLiteral(f.local)}, ${f.part === null ? 'NULL' : quoteLiteral(f.part)})`).join(', ');
    everyRow =
      `SELECT ${COLUMNS.join(', ')} FROM (SELECT f.* EXCLUDE (filename), m.part FROM read_parquet([${files.map((f) => quoteLiteral(f.local)).join(', ')}], filename = true, union_by_name = true) AS f ` +
      `JOIN (VALUES ${mapping}) AS m(fname, part) ON f.filename = m.fname) AS every_row`;
  });

  it('holds the rows written, in more files than one', async () => {
    expect(snapshot.files.length).toBeGreaterThanOrEqual(8);
    expect(await count(everyRow)).toBe(410);
    const scan = await table.scan();
    expect(await difference(`SELECT ${COLUMNS.join(', ')} FROM (${await scan.sql()})`, WRITTEN)).toEqual([0, 0]);
    expect(await difference(everyRow, WRITTEN)).toEqual([0, 0]);
  });

  it('records no double bounds for the file holding NaN, and no bounds for an all-NULL column', () => {
    const nanFile = snapshot.files.find((f) => f.partitionValues['part'] === 'b' && JSON.parse(f.stats ?? '{}').minValues?.k === 10);
    expect(nanFile).toBeDefined();
    const stats = JSON.parse(nanFile?.stats ?? '{}');
    expect(stats.minValues.d).toBeUndefined();
    expect(stats.maxValues.d).toBeUndefined();
    expect(stats.nullCount.n).toBe(stats.numRecords);
  });

  it.each(PREDICATES)('returns the same rows with pruning as a read of every file for %s', async (where) => {
    await expectSameRows(table, COLUMNS, everyRow, where);
  });

  it('reads back nested struct fields', async () => {
    const rows = await (await table.scan({ columns: ['id', 'st'], where: 'id = 7' })).rows();
    expect(rows).toEqual([{ id: '7', st: { x: 7, y: 'y7' } }]);
  });

  it('prunes files for most of the predicates', async () => {
    let pruning = 0;
    for (const where of PREDICATES) {
      const plan = await (await table.scan({ where })).plan();
      if (plan.files.length < plan.totalFiles) pruning++;
    }
    expect(pruning).toBeGreaterThanOrEqual(PREDICATES.length / 2);
  });

  it('keeps only the files of the matching partition', async () => {
    const plan = await (await table.scan({ where: "part = 'd'" })).plan();
    expect(plan.files.map((f) => f.partitionValues['part'])).toEqual(['d']);
    const nulls = await (await table.scan({ where: 'part IS NULL' })).plan();
    expect(nulls.files.map((f) => f.partitionValues['part'] ?? null)).toEqual([null]);
  });

  it('keeps only the files whose statistics can match', async () => {
    // k is 10..19 only in the second write, which has partitions b and c.
    const plan = await (await table.scan({ where: 'k BETWEEN 12 AND 13' })).plan();
    expect(plan.files.map((f) => f.partitionValues['part']).sort()).toEqual(['b', 'c']);
    // No file holds a negative id.
    expect((await (await table.scan({ where: 'id < 0' })).plan()).files).toHaveLength(0);
  });

  it('drops files whose column is NULL in every row for a comparison on it', async () => {
    const plan = await (await table.scan({ where: 'n = 5' })).plan();
    for (const file of plan.files) {
      const stats = JSON.parse(file.stats ?? '{}');
      expect(stats.nullCount.n).toBeLessThan(stats.numRecords);
    }
    expect(plan.files.length).toBeLessThan(plan.totalFiles);
  });

  it('keeps the file whose timestamp maximum has sub-millisecond digits', async () => {
    const scan = await table.scan({ where: "ts = TIMESTAMPTZ '2024-01-01 00:01:39.123456+00'" });
    expect((await scan.rows()).map((r) => r['id'])).toEqual(['99']);
    expect((await scan.plan()).files.length).toBeLessThan(snapshot.files.length);
  });

  it('keeps the files with long strings above the truncated prefix', async () => {
    const scan = await table.scan({ where: "s > 'prefix-common-0123456789-abcdefghij-0098'" });
    const ids = (await scan.rows()).map((r) => Number(r['id']));
    expect(ids).toContain(99);
  });

  it('keeps the file with NaN for a comparison NaN satisfies', async () => {
    const scan = await table.scan({ where: 'd > 1e300' });
    expect((await scan.rows()).map((r) => Number(r['id'])).sort((a, b) => a - b)).toEqual([150, 300]);
  });

  it('refuses a filter naming a column the table does not have', async () => {
    await expect((await table.scan({ where: 'nope = 1' })).plan()).rejects.toMatchObject({ code: 'TABLE_PREDICATE_INVALID' });
    await expect((await table.scan({ where: 'k = 1 AND missing_column IS NULL' })).plan()).rejects.toMatchObject({ code: 'TABLE_PREDICATE_INVALID' });
    await expect((await table.scan({ where: 'nope.x = 1' })).rows()).rejects.toMatchObject({ code: 'TABLE_PREDICATE_INVALID' });
    await expect((await table.scan({ where: 'st.nope = 1' })).rows()).rejects.toMatchObject({ code: 'TABLE_PREDICATE_INVALID' });
  });

  it('refuses an injected statement in the filter', async () => {
    await expect((await table.scan({ where: 'k = 1) UNION SELECT 1 --' })).plan()).rejects.toMatchObject({ code: 'TABLE_PREDICATE_INVALID' });
    await expect((await table.scan({ where: 'k = 1); DROP TABLE x; --' })).plan()).rejects.toMatchObject({ code: 'TABLE_PREDICATE_INVALID' });
  });

  it('applies the limit after the filter', async () => {
    expect(await (await table.scan({ where: "part = 'a'", limit: 3 })).rows()).toHaveLength(3);
  });

  it('applies the limit, or refuses the filter, when the filter closes its parenthesis and opens a line comment', async () => {
    const outcome = await (await table.scan({ where: 'k >= 0) --', limit: 3 })).rows().then(
      (rows) => rows.length,
      (error: unknown) => (error as { code?: unknown }).code,
    );
    expect([3, 'TABLE_PREDICATE_INVALID']).toContain(outcome);
  });

  it('applies the limit after a filter ending in a line comment', async () => {
    expect(await (await table.scan({ where: "part = 'a' -- only a", limit: 3 })).rows()).toHaveLength(3);
  });
});

/**
 * Under column mapping the struct column is left out of the comparison: its nested
 * fields read back as NULL (see the expected failure below), which is a write bug, not
 * a pruning one.
 */
const MAPPED_COLUMNS = COLUMNS;
const MAPPED_PREDICATES = PREDICATES.filter((p) => !/\bst\b/.test(p));
const MAPPED_WRITTEN = BATCHES.map((sql) => `SELECT ${MAPPED_COLUMNS.join(', ')} FROM (${sql})`).join(' UNION ALL ');

describe('file pruning under column mapping', () => {
  let table: DeltaTable;

  beforeAll(async () => {
    table = await writeTable(await newRoot(), BATCHES, { partitionColumns: ['part'], properties: { 'delta.columnMapping.mode': 'name' } });
  });

  it('keeps statistics and partition values under physical names', async () => {
    const snapshot = await table.snapshot();
    const kPhysical = snapshot.field('k')?.metadata['delta.columnMapping.physicalName'];
    const partPhysical = snapshot.field('part')?.metadata['delta.columnMapping.physicalName'];
    expect(typeof kPhysical).toBe('string');
    expect(kPhysical).not.toBe('k');
    const file = snapshot.files[0];
    expect(Object.keys(file?.partitionValues ?? {})).toEqual([partPhysical]);
    expect(Object.keys(JSON.parse(file?.stats ?? '{}').minValues)).toContain(kPhysical);
  });

  it('reads back every row written (top-level columns)', async () => {
    expect(await difference(`SELECT ${MAPPED_COLUMNS.join(', ')} FROM (${await (await table.scan()).sql()})`, MAPPED_WRITTEN)).toEqual([0, 0]);
  });

  it('reads back nested struct fields written under column mapping', async () => {
    const rows = await (await table.scan({ columns: ['id', 'st'], where: 'id = 7' })).rows();
    expect(rows).toEqual([{ id: '7', st: { x: 7, y: 'y7' } }]);
  });

  it.each(MAPPED_PREDICATES)('returns the same rows with pruning as filtering every row written for %s', async (where) => {
    await expectSameRows(table, MAPPED_COLUMNS, MAPPED_WRITTEN, where);
  });

  it('prunes by physical names', async () => {
    const plan = await (await table.scan({ where: "k BETWEEN 12 AND 13 AND part = 'c'" })).plan();
    expect(plan.files).toHaveLength(1);
    expect(plan.totalFiles).toBeGreaterThan(1);
  });
});

/** Partition columns of several types; each write adds files with distinct partition values. */
const TYPED_COLUMNS = ['v', 'pi', 'pdate', 'pts', 'pbool', 'pdec'];
const TYPED_BATCHES = [0, 1, 2].map(
  (batch) => `SELECT range AS v,
          CASE WHEN range % 4 = 3 THEN NULL ELSE (range % 4 + ${batch * 10})::INTEGER END AS pi,
          DATE '2024-01-01' + (range % 3 + ${batch * 100})::INTEGER AS pdate,
          CASE WHEN range % 5 = 4 THEN NULL ELSE TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds((range % 2) * 123456 + ${batch} * 86400000000) END AS pts,
          range % 2 = 0 AS pbool,
          CAST((range % 2) + ${batch} AS DECIMAL(5,2)) + 0.5 AS pdec
   FROM range(${batch * 40}, ${batch * 40 + 40})`,
);
const TYPED_WRITTEN = TYPED_BATCHES.map((sql) => `SELECT ${TYPED_COLUMNS.join(', ')} FROM (${sql})`).join(' UNION ALL ');

const TYPED_PREDICATES = [
  'pi = 1',
  'pi > 10',
  'pi IN (2, 22)',
  'pi IS NULL',
  'pi IS NOT NULL AND pi < 3',
  'pi BETWEEN 11 AND 12',
  "pi = '21'",
  'pi = 1.5',
  "pdate = DATE '2024-01-02'",
  "pdate > '2024-04-10'",
  "pdate BETWEEN '2024-01-01' AND '2024-04-10'",
  "pts = TIMESTAMPTZ '2024-01-01 00:00:00.123456+00'",
  "pts > TIMESTAMPTZ '2024-01-02 00:00:00.123+00'",
  "pts < TIMESTAMP '2024-01-01 00:00:00.1235'",
  'pts IS NULL',
  "pts = '2024-01-03 01:00:00.123456+01'",
  'pbool',
  'pbool = true',
  'pbool = false AND pi = 11',
  'pdec = 1.5',
  'pdec > 2',
  'pi = 2 OR v < 3',
  "pi = 21 AND pdate = DATE '2024-07-20'",
];

describe('file pruning on partition columns of several types', () => {
  let table: DeltaTable;

  beforeAll(async () => {
    table = await writeTable(await newRoot(), TYPED_BATCHES, { partitionColumns: ['pi', 'pdate', 'pts', 'pbool', 'pdec'] });
  });

  it('reads back every row written', async () => {
    expect(await difference(`SELECT ${TYPED_COLUMNS.join(', ')} FROM (${await (await table.scan()).sql()})`, TYPED_WRITTEN)).toEqual([0, 0]);
  });

  it.each(TYPED_PREDICATES)('returns the same rows with pruning as filtering every row written for %s', async (where) => {
    await expectSameRows(table, TYPED_COLUMNS, TYPED_WRITTEN, where);
  });

  it('prunes by exact partition values', async () => {
    const plan = await (await table.scan({ where: "pi = 1 AND pts = TIMESTAMPTZ '2024-01-01 00:00:00.123456+00'" })).plan();
    expect(plan.files.length).toBeGreaterThan(0);
    expect(plan.files.every((f) => f.partitionValues['pi'] === '1' && f.partitionValues['pts'] === '2024-01-01T00:00:00.123456Z')).toBe(true);
    expect(plan.files.length).toBeLessThan(plan.totalFiles);
  });
});
