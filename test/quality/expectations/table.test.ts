import { describe, expect, it } from 'vitest';
import { validate } from '../../../src/quality/index.js';
import { geExpectation as e, geFixture } from '../../support/ge-fixture.js';
import { expectAllSameAsGe } from '../../support/ge-parity.js';

/** The table expectations against GE 1.x on cases the planted table lacks. */
const fixture = geFixture('aquifer-ge-table-');

describe.skipIf(!fixture.ready)('table expectations at parity with GE', () => {
  it('counts rows, compares column lists and sets, and finds columns by position as GE does', async () => {
    const data = await fixture.parquet('cols', "SELECT range AS c, range * 2 AS a, 'x' AS b FROM range(3)");
    const table = await fixture.tableOf('cols', data);
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
      fixture.ge().validate(data, { name: 'cols', expectations }, { resultFormat: 'SUMMARY' }),
    ]);
    expect(ours.results).toHaveLength(expectations.length);
    expectAllSameAsGe(ours, theirs);
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
