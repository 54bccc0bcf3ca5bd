import { beforeAll, describe, expect, it } from 'vitest';
import { validate, type ExpectationSuite } from '../../../src/quality/index.js';
import type { DeltaTable } from '../../../src/table/index.js';
import { geExpectation, geFixture } from '../../support/ge-fixture.js';
import { expectAllSameAsGe } from '../../support/ge-parity.js';
import type { GeExpectationConfig } from '../../support/ge-reference.js';

/**
 * The pair and multicolumn expectations beyond the planted suite's cases, against GE on the
 * planted table: every ignore_row_if, float columns where NaN is missing (a, b), and columns
 * of different types in one record.
 */
const fixture = geFixture('aquifer-ge-multicolumn-');
const ready = fixture.ready;
let data: string;
let table: DeltaTable;

beforeAll(async () => {
  if (!ready) return;
  ({ data, table } = await fixture.planted());
}, 300_000);

// GE leaves a default ignore_row_if out of the kwargs it echoes, so the defaults are not written.
const e = (type: string, { ignore_row_if, ...kwargs }: Record<string, unknown>): GeExpectationConfig =>
  geExpectation(
    type,
    ignore_row_if === undefined || ignore_row_if === 'both_values_are_missing' || ignore_row_if === 'all_values_are_missing'
      ? kwargs
      : { ...kwargs, ignore_row_if },
  );
const MULTICOLUMN_IGNORE = ['all_values_are_missing', 'any_value_is_missing', 'never'];
const PAIR_IGNORE = ['both_values_are_missing', 'either_value_is_missing', 'neither'];

describe.skipIf(!ready)('pair and multicolumn expectations, against GE 1.x', () => {
  for (const format of ['COMPLETE', 'SUMMARY'] as const) {
    it(`gives GE's result under every ignore_row_if, NaN and mixed types included (${format})`, async () => {
      const expectations = [
        ...PAIR_IGNORE.flatMap((ignore_row_if) => [
          e('expect_column_pair_values_to_be_equal', { column_A: 'x', column_B: 'y', ignore_row_if }),
          e('expect_column_pair_values_to_be_equal', { column_A: 'a', column_B: 'b', ignore_row_if }),
          e('expect_column_pair_values_to_be_equal', { column_A: 'price', column_B: 'ratio', ignore_row_if }),
        ]),
        e('expect_column_pair_values_to_be_equal', { column_A: 'x', column_B: 'y', mostly: 0.8 }),
        ...MULTICOLUMN_IGNORE.flatMap((ignore_row_if) => [
          e('expect_compound_columns_to_be_unique', { column_list: ['k1', 'k2'], ignore_row_if }),
          e('expect_compound_columns_to_be_unique', { column_list: ['dup', 'qty'], ignore_row_if }),
          e('expect_compound_columns_to_be_unique', { column_list: ['b', 'y'], ignore_row_if }),
          e('expect_select_column_values_to_be_unique_within_record', { column_list: ['s1', 's2', 's3'], ignore_row_if }),
          e('expect_select_column_values_to_be_unique_within_record', { column_list: ['x', 'y', 'k1'], ignore_row_if }),
          e('expect_select_column_values_to_be_unique_within_record', { column_list: ['a', 'b', 'name'], ignore_row_if }),
          e('expect_multicolumn_sum_to_equal', { column_list: ['m1', 'm2', 'm3'], sum_total: 10, ignore_row_if }),
          e('expect_multicolumn_sum_to_equal', { column_list: ['a', 'b'], sum_total: 39, ignore_row_if }),
        ]),
        e('expect_compound_columns_to_be_unique', { column_list: ['k1', 'k2'], mostly: 0.9 }),
      ];
      const suite = { name: 'multicolumn', expectations };
      const reference = await fixture.ge().validate(data, suite, { resultFormat: format, idColumns: ['id'] });
      const ours = await validate(table, suite as ExpectationSuite, { resultFormat: format, idColumns: ['id'] });
      expect(ours.results).toHaveLength(expectations.length);
      expectAllSameAsGe(ours, reference);
    }, 120_000);
  }
});
