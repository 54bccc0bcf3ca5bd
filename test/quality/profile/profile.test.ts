import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { profile, PROFILE_QUANTILES, type ColumnProfile } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { GeReference, geReferenceAvailable, geResultsFor, type GeSuite } from '../../support/ge-reference.js';
import { referencePython } from '../../support/reference-readers.js';
import { tempDir } from '../../support/temp.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();

const ROWS = `SELECT * FROM (VALUES
  (1, 10.0::DOUBLE, 'ab', true, DATE '2024-01-02'),
  (2, 'NaN'::DOUBLE, 'héé', false, DATE '2024-01-01'),
  (3, NULL, 'ab', true, NULL),
  (4, 20.0, NULL, true, DATE '2024-01-03'),
  (5, 30.0, 'e\u0301🇳🇱', NULL, DATE '2024-01-03')
) t(id, price, name, ok, day)`;

async function planted(): Promise<DeltaTable> {
  const { table } = await DeltaTable.create(fixture.location(), { engine: fixture.engine(), data: { sql: ROWS } });
  return table;
}

const column = (columns: readonly ColumnProfile[], name: string): ColumnProfile => {
  const found = columns.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no column ${name}`);
  return found;
};

describe('profile', () => {
  it('counts NaN in a float column as null, as GE does, and leaves it out of every statistic', async () => {
    const p = await profile(await planted());
    const price = column(p.columns, 'price');
    expect(price).toMatchObject({
      type: 'double',
      kind: 'numeric',
      row_count: 5,
      null_count: 2,
      null_share: 0.4,
      distinct_count: 3,
      min: 10,
      max: 30,
      mean: 20,
    });
    expect(price.stdev).toBeCloseTo(10, 12);
    expect(price.top_values).toEqual([
      { value: 10, count: 1 },
      { value: 20, count: 1 },
      { value: 30, count: 1 },
    ]);
    expect(price.histogram?.bins.reduce((n, b) => n + b.count, 0)).toBe(3);
  });

  it("takes quantiles with pandas' nearest method (round half to even of (n-1)q), not DuckDB's quantile_disc", async () => {
    const p = await profile(await planted());
    // id: 1..5, n = 5: (n-1)q = 0.2, 1, 2, 3, 3.8 -> indices 0, 1, 2, 3, 4.
    expect(column(p.columns, 'id').quantiles).toEqual({ quantiles: [0.05, 0.25, 0.5, 0.75, 0.95], values: [1, 2, 3, 4, 5] });
    // price: 10, 20, 30, n = 3: (n-1)q = 0.1, 0.5 (-> 0, even), 1, 1.5 (-> 2, even), 1.9.
    expect(column(p.columns, 'price').quantiles?.values).toEqual([10, 10, 20, 30, 30]);
  });

  it('gives one histogram bin per value for a narrow integer range, and fixed bins between min and max otherwise', async () => {
    const p = await profile(await planted());
    expect(column(p.columns, 'id').histogram).toEqual({
      of: 'values',
      bins: [1, 2, 3, 4, 5].map((v) => ({ lower: v, upper: v + 1, count: 1 })),
    });
    const price = column(p.columns, 'price').histogram;
    expect(price?.bins).toHaveLength(10);
    expect(price?.bins[0]).toEqual({ lower: 10, upper: 12, count: 1 });
    expect(price?.bins[9]).toEqual({ lower: 28, upper: 30, count: 1 });
  });

  it('measures strings in code points (as Python len), with top values by count and all distinct values when few', async () => {
    const name = column((await profile(await planted())).columns, 'name');
    expect(name).toMatchObject({ kind: 'string', null_count: 1, distinct_count: 3, min_length: 2, max_length: 4, min: 'ab' });
    expect(name.top_values[0]).toEqual({ value: 'ab', count: 2 });
    expect(name.distinct_values).toEqual(['ab', 'e\u0301🇳🇱', 'héé']);
    expect(name.histogram).toEqual({
      of: 'lengths',
      bins: [
        { lower: 2, upper: 3, count: 2 },
        { lower: 3, upper: 4, count: 1 },
        { lower: 4, upper: 5, count: 1 },
      ],
    });
  });

  it('profiles booleans and dates by their values, without numeric statistics', async () => {
    const p = await profile(await planted());
    expect(column(p.columns, 'ok')).toMatchObject({ kind: 'boolean', null_count: 1, distinct_count: 2, min: null, mean: null, histogram: null });
    expect(column(p.columns, 'ok').top_values).toEqual([
      { value: true, count: 3 },
      { value: false, count: 1 },
    ]);
    expect(column(p.columns, 'day')).toMatchObject({ kind: 'temporal', min: '2024-01-01', max: '2024-01-03', quantiles: null });
    expect(column(p.columns, 'day').top_values[0]).toEqual({ value: '2024-01-03', count: 2 });
  });

  it('gives nested columns their null counts only, and timestamps their extremes as UTC text', async () => {
    const sql = `SELECT * FROM (VALUES ([1, 2], {'a': 1}, TIMESTAMPTZ '2026-01-02 03:04:05+00'), (NULL, NULL, TIMESTAMPTZ '2026-01-01 00:00:00+01')) t(list, rec, ts)`;
    const { table } = await DeltaTable.create(fixture.location(), { engine: fixture.engine(), data: { sql } });
    const p = await profile(table);
    for (const name of ['list', 'rec'])
      expect(column(p.columns, name)).toMatchObject({ kind: 'other', null_count: 1, distinct_count: null, min: null, top_values: [], histogram: null });
    expect(column(p.columns, 'ts')).toMatchObject({ type: 'timestamp', kind: 'temporal', min: '2025-12-31 23:00:00+00', max: '2026-01-02 03:04:05+00' });
  });

  it('keeps infinities as values (as pandas) but out of the histogram, whose edges must be finite', async () => {
    const sql = `SELECT * FROM (VALUES (1.0::DOUBLE), ('inf'::DOUBLE), ('-inf'::DOUBLE), (2.0), (2.0)) t(x)`;
    const { table } = await DeltaTable.create(fixture.location(), { engine: fixture.engine(), data: { sql } });
    const x = column((await profile(table)).columns, 'x');
    expect(x).toMatchObject({ null_count: 0, distinct_count: 4, min: '-Infinity', max: 'Infinity', mean: 'NaN', stdev: 'NaN' });
    expect(x.top_values[0]).toEqual({ value: 2, count: 2 });
    expect(x.top_values.map((v) => v.value)).toContain('Infinity');
    expect(x.histogram?.bins.reduce((n, b) => n + b.count, 0)).toBe(3);
    expect(x.quantiles?.values).toEqual(['-Infinity', 1, 2, 2, 'Infinity']);
  });

  it('reads the data in three queries whatever the number of columns, and returns figures, not rows', async () => {
    const columns = Array.from(
      { length: 40 },
      (_, i) => `CASE WHEN i % ${i + 2} = 0 THEN NULL ELSE (i * ${i + 1}) % 97 END AS c${i}, 'v' || (i % ${i + 3}) AS s${i}`,
    );
    const { table } = await DeltaTable.create(fixture.location(), {
      engine: fixture.engine(),
      data: { sql: `SELECT ${columns.join(', ')} FROM range(20000) t(i)` },
    });
    const queries: string[] = [];
    const query = table.engine.query.bind(table.engine);
    const spy = vi.spyOn(table.engine, 'query').mockImplementation(async (sql, options) => {
      const rows = await query(sql, options);
      if (sql.includes('aq_rows')) queries.push(`${rows.length}`);
      return rows;
    });
    try {
      const p = await profile(table);
      expect(p.column_count).toBe(80);
      expect(column(p.columns, 'c3')).toMatchObject({ row_count: 20000, null_count: 4000, distinct_count: 97 });
      expect(column(p.columns, 's39').distinct_count).toBe(42);
    } finally {
      spy.mockRestore();
    }
    // One row each for the two aggregate passes; the top values of 80 columns, at most 21 each.
    expect(queries.length).toBe(3);
    expect(queries.slice(0, 2)).toEqual(['1', '1']);
    expect(Number(queries[2])).toBeLessThanOrEqual(80 * 21);
  });

  it('writes every key of every column, in one order, so profiles diff as JSON', async () => {
    const p = await profile(await planted());
    expect(Object.keys(p)).toEqual(['table', 'version', 'row_count', 'column_count', 'quantile_method', 'columns']);
    const keys = Object.keys(p.columns[0] as ColumnProfile);
    for (const c of p.columns) expect(Object.keys(c)).toEqual(keys);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('profiles an earlier version and an empty table', async () => {
    const table = await planted();
    await table.append({ sql: 'SELECT 6 AS id, 40.0::DOUBLE AS price, NULL::VARCHAR AS name, NULL::BOOLEAN AS ok, NULL::DATE AS day' });
    expect((await profile(table)).row_count).toBe(6);
    expect(await profile(table, { version: 0 })).toMatchObject({ version: 0, row_count: 5 });

    const { table: empty } = await DeltaTable.create(fixture.location(), { engine: fixture.engine(), data: { sql: `${ROWS} LIMIT 0` } });
    const p = await profile(empty);
    expect(p.row_count).toBe(0);
    expect(column(p.columns, 'price')).toMatchObject({ null_share: null, distinct_count: 0, min: null, quantiles: null, histogram: null, top_values: [] });
  });
});

const ready = geReferenceAvailable();

describe.skipIf(!ready)('profile figures against GE 1.x on the planted-defect table', () => {
  it("gives GE's null counts, distinct counts, extremes, mean, stdev and quantiles for every column", async () => {
    const dir = await tempDir('aquifer-profile-ge-');
    const ge = new GeReference(referencePython() as string, dir);
    const planted = await ge.writePlantedDefects(dir);
    const { table } = await DeltaTable.create(path.join(dir, 'table'), { engine: fixture.engine(), data: { files: planted.data } });
    const p = await profile(table);
    const wide = { min_value: -1e18, max_value: 1e18 };
    const numeric = p.columns.filter((c) => c.kind === 'numeric');
    const suite: GeSuite = {
      name: 'profile_figures',
      expectations: [
        ...p.columns.map((c) => ({ type: 'expect_column_values_to_not_be_null', kwargs: { column: c.name } })),
        ...p.columns
          .filter((c) => c.kind !== 'temporal')
          .map((c) => ({ type: 'expect_column_unique_value_count_to_be_between', kwargs: { column: c.name, ...wide } })),
        ...numeric.flatMap((c) => [
          ...['min', 'max', 'mean', 'stdev'].map((stat) => ({ type: `expect_column_${stat}_to_be_between`, kwargs: { column: c.name, ...wide } })),
          {
            type: 'expect_column_quantile_values_to_be_between',
            kwargs: { column: c.name, quantile_ranges: { quantiles: PROFILE_QUANTILES, value_ranges: PROFILE_QUANTILES.map(() => [null, null]) } },
          },
        ]),
      ],
    };
    const reference = await ge.validate(planted.data, suite, { resultFormat: 'SUMMARY' });
    const observed = (type: string, name: string): unknown => geResultsFor(reference, type, { column: name })[0]?.result.observed_value;
    for (const c of p.columns) {
      expect(c.null_count, c.name).toBe(geResultsFor(reference, 'expect_column_values_to_not_be_null', { column: c.name })[0]?.result.unexpected_count);
      if (c.kind !== 'temporal') expect(c.distinct_count, c.name).toBe(observed('expect_column_unique_value_count_to_be_between', c.name));
    }
    for (const c of numeric) {
      for (const stat of ['min', 'max', 'mean', 'stdev'] as const) {
        const theirs = observed(`expect_column_${stat}_to_be_between`, c.name) as number;
        expect(Math.abs((c[stat] as number) - theirs), `${stat} of ${c.name}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(theirs)));
      }
      expect(c.quantiles?.values, `quantiles of ${c.name}`).toEqual(
        (observed('expect_column_quantile_values_to_be_between', c.name) as { values: number[] }).values,
      );
    }
    expect(numeric.map((c) => c.name)).toContain('ratio');
  }, 120_000);
});
