import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { GeReference, geReferenceAvailable, type GeExpectationConfig } from '../../support/ge-reference.js';
import { expectSameAsGe, pairWithGe } from '../../support/ge-parity.js';
import { referencePython } from '../../support/reference-readers.js';
import { tableFixture } from '../../support/table-fixture.js';
import { tempDir } from '../../support/temp.js';

/** The table expectations against GE 1.x on cases the planted table lacks. */
const ready = geReferenceAvailable();
const fixture = tableFixture();
let ge: GeReference;
let dir: string;

beforeAll(async () => {
  if (!ready) return;
  const python = referencePython();
  if (python === undefined) throw new Error('no reference interpreter');
  dir = await tempDir('aquifer-ge-table-');
  ge = new GeReference(python, dir);
}, 300_000);

const e = (type: string, kwargs: Record<string, unknown>): GeExpectationConfig => ({ type, kwargs, meta: {} });

describe.skipIf(!ready)('table expectations at parity with GE', () => {
  it('counts rows, compares column lists and sets, and finds columns by position as GE does', async () => {
    const engine = fixture.engine();
    const data = path.join(dir, 'cols.parquet');
    await engine.query(`COPY (SELECT range AS c, range * 2 AS a, 'x' AS b FROM range(3)) TO '${data}' (FORMAT parquet)`);
    const { table } = await DeltaTable.create(path.join(dir, 'cols'), { engine, data: { files: data }, preserveOrder: true });
    const expectations = [
      e('expect_table_row_count_to_equal', { value: 3 }),
      e('expect_table_row_count_to_equal', { value: 4 }),
      e('expect_table_columns_to_match_ordered_list', { column_list: ['c', 'a', 'b'] }),
      e('expect_table_columns_to_match_ordered_list', { column_list: ['c', 'a', 'b', 'd'] }),
      e('expect_table_columns_to_match_ordered_list', { column_list: ['a', 'c'] }),
      e('expect_table_columns_to_match_set', { column_set: ['b', 'a', 'c'] }),
      e('expect_table_columns_to_match_set', { column_set: ['a', 'z'] }),
      e('expect_table_columns_to_match_set', { column_set: ['a', 'b'], exact_match: false }),
      e('expect_table_columns_to_match_set', { column_set: ['a', 'z'], exact_match: false }),
      e('expect_column_to_exist', { column: 'c', column_index: 0 }),
      e('expect_column_to_exist', { column: 'a', column_index: 0 }),
      e('expect_column_to_exist', { column: 'a', column_index: 1 }),
      e('expect_column_to_exist', { column: 'b', column_index: -1 }),
      e('expect_column_to_exist', { column: 'b', column_index: 7 }),
      e('expect_column_to_exist', { column: 'nope' }),
    ];
    const [ours, theirs] = await Promise.all([
      validate(table, { name: 'cols', expectations }, { resultFormat: 'SUMMARY' }),
      ge.validate(data, { name: 'cols', expectations }, { resultFormat: 'SUMMARY' }),
    ]);
    expect(ours.results).toHaveLength(expectations.length);
    for (const { ours: result, ge: reference } of pairWithGe(ours, theirs)) expectSameAsGe(result, reference);
    // column_index 0 is "anywhere" in GE (a falsy check), so `a` is found though it is at 1.
    expect(ours.results.filter((r) => r.expectation_config.type === 'expect_column_to_exist').map((r) => r.success)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  }, 120_000);
});
