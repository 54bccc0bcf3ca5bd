import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../../src/engine/index.js';
import { EXPECTATIONS, profile, suggestSuite, validate, type ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { GeReference, geReferenceAvailable } from '../../support/ge-reference.js';
import { referencePython } from '../../support/reference-readers.js';
import { tableFixture } from '../../support/table-fixture.js';
import { tempDir } from '../../support/temp.js';

const fixture = tableFixture();

const GOOD = `SELECT * FROM (VALUES
  (1, 10.5::DOUBLE, 'NL', 'anna', 3::INTEGER),
  (2, 'NaN'::DOUBLE, 'DE', 'bo', 3),
  (3, NULL, 'NL', 'carla', 7),
  (4, 99.0, 'FR', 'di', 5)
) t(id, price, country, name, qty)`;

/** One row breaking each kind of suggestion: a duplicate and a null id, a price out of range, a new country, a longer name. */
const BAD = `SELECT 4 AS id, 1000.0::DOUBLE AS price, 'XX' AS country, 'a much longer name' AS name, NULL::INTEGER AS qty`;

const inCatalogue = (suite: ExpectationSuite): ExpectationSuite => ({ ...suite, expectations: suite.expectations.filter((e) => EXPECTATIONS.has(e.type)) });
const failed = (result: Awaited<ReturnType<typeof validate>>): string[] =>
  result.results
    .filter((r) => !r.success)
    .map((r) => `${r.expectation_config.type}${'column' in r.expectation_config.kwargs ? `:${String(r.expectation_config.kwargs['column'])}` : ''}`);

async function goodTable(): Promise<DeltaTable> {
  return (await DeltaTable.create(fixture.location(), { engine: fixture.engine(), data: { sql: GOOD } })).table;
}

describe('suggestSuite', () => {
  it('drafts GE 1.x expectations from what held on every row', async () => {
    const suite = suggestSuite(await profile(await goodTable()), { name: 'events_suggested' });
    expect(suite.name).toBe('events_suggested');
    expect(suite.expectations).toEqual([
      { type: 'expect_table_columns_to_match_ordered_list', kwargs: { column_list: ['id', 'price', 'country', 'name', 'qty'] } },
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 3, max_value: 5 } },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'id' } },
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'id', min_value: 1, max_value: 4 } },
      { type: 'expect_column_values_to_be_unique', kwargs: { column: 'id' } },
      // NaN and NULL are both missing (GE): no not_be_null, bounds over the rest, floats never unique.
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'price', min_value: 10.5, max_value: 99 } },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'country' } },
      { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'country', value_set: ['DE', 'FR', 'NL'] } },
      { type: 'expect_column_value_lengths_to_be_between', kwargs: { column: 'country', min_value: 2, max_value: 2 } },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'name' } },
      { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'name', value_set: ['anna', 'bo', 'carla', 'di'] } },
      { type: 'expect_column_value_lengths_to_be_between', kwargs: { column: 'name', min_value: 2, max_value: 5 } },
      { type: 'expect_column_values_to_be_unique', kwargs: { column: 'name' } },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'qty' } },
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'qty', min_value: 3, max_value: 7 } },
    ]);
  });

  it('leaves out value sets of columns with more than 20 distinct values', async () => {
    const { table } = await DeltaTable.create(fixture.location(), {
      engine: fixture.engine(),
      data: { sql: `SELECT 'v' || (i % 21) AS code FROM range(42) t(i)` },
    });
    const types = suggestSuite(await profile(table), { name: 's' }).expectations.map((e) => e.type);
    expect(types).not.toContain('expect_column_values_to_be_in_set');
    expect(types).toContain('expect_column_value_lengths_to_be_between');
  });

  it('is passed by the data it came from, and failed once a bad row is appended (Aquifer)', async () => {
    const table = await goodTable();
    const suite = suggestSuite(await profile(table), { name: 's' });
    const passed = await validate(table, inCatalogue(suite));
    expect(passed.results.length).toBeGreaterThan(0);
    expect(failed(passed)).toEqual([]);
    expect(passed.success).toBe(true);

    await table.append({ sql: BAD });
    const after = await validate(table, inCatalogue(suite));
    expect(after.success).toBe(false);
    const expected = BAD_FAILS.filter((e) => EXPECTATIONS.has(e.split(':')[0] as string));
    expect(failed(after).sort()).toEqual(expected.sort());
  });
});

/** What BAD breaks (id 4 is in range, but a duplicate). */
const BAD_FAILS = [
  'expect_column_values_to_be_unique:id',
  'expect_column_values_to_be_between:price',
  'expect_column_values_to_be_in_set:country',
  'expect_column_value_lengths_to_be_between:name',
  'expect_column_values_to_be_in_set:name',
  'expect_column_values_to_not_be_null:qty',
];

const ready = geReferenceAvailable();

describe.skipIf(!ready)('suggestSuite against GE 1.x', () => {
  let ge: GeReference;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('aquifer-suggest-ge-');
    ge = new GeReference(referencePython() as string, dir);
  });

  /** The table's rows as one Parquet file, for GE. */
  async function parquet(table: DeltaTable, name: string): Promise<string> {
    const file = path.join(dir, `${name}.parquet`);
    const plan = await (await table.scan()).plan();
    await table.engine.query(`COPY (${plan.sql}) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    return file;
  }

  it('drafts a suite GE itself passes on the data and fails on the bad row', async () => {
    const table = await goodTable();
    const suite = suggestSuite(await profile(table), { name: 's' });
    const good = await ge.validate(await parquet(table, 'good'), suite);
    expect(good.results.filter((r) => !r.success).map((r) => r.expectation_config)).toEqual([]);
    expect(good.statistics.evaluated_expectations).toBe(suite.expectations.length);

    await table.append({ sql: BAD });
    const bad = await ge.validate(await parquet(table, 'bad'), suite);
    expect(bad.success).toBe(false);
    const geFailed = bad.results
      .filter((r) => !r.success)
      .map((r) => `${r.expectation_config.type}${'column' in r.expectation_config.kwargs ? `:${String(r.expectation_config.kwargs['column'])}` : ''}`);
    expect(geFailed.sort()).toEqual([...BAD_FAILS].sort());
  }, 120_000);

  it("drafts a suite GE passes on the planted-defect table, with its NaNs, nulls, tz-aware timestamps and GE's dtypes", async () => {
    const planted = await ge.writePlantedDefects(dir);
    const { table } = await DeltaTable.create(path.join(dir, 'planted'), { engine: fixture.engine(), data: { files: planted.data } });
    const suite = suggestSuite(await profile(table), { name: 'planted' });
    const result = await ge.validate(planted.data, suite);
    expect(result.results.filter((r) => !r.success).map((r) => r.expectation_config)).toEqual([]);
    expect(result.statistics.evaluated_expectations).toBeGreaterThan(40);
  }, 120_000);
});
