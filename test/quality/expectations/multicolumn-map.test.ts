import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate, type ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { expectSameAsGe, pairWithGe } from '../../support/ge-parity.js';
import { GeReference, geReferenceAvailable, type GeExpectationConfig } from '../../support/ge-reference.js';
import { referencePython } from '../../support/reference-readers.js';
import { tableFixture } from '../../support/table-fixture.js';
import { tempDir } from '../../support/temp.js';

/**
 * The pair and multicolumn expectations beyond the planted suite's cases, against GE on the
 * planted table: every ignore_row_if, float columns where NaN is missing (a, b), and columns
 * of different types in one record.
 */
const ready = geReferenceAvailable();
const fixture = tableFixture();
let ge: GeReference;
let data: string;
let table: DeltaTable;

beforeAll(async () => {
  if (!ready) return;
  const python = referencePython();
  if (python === undefined) throw new Error('no reference interpreter');
  const dir = await tempDir('aquifer-ge-multicolumn-');
  ge = new GeReference(python, dir);
  const planted = await ge.writePlantedDefects(dir);
  data = planted.data;
  ({ table } = await DeltaTable.create(path.join(dir, 'table'), { engine: fixture.engine(), data: { files: data }, preserveOrder: true }));
}, 300_000);

// GE leaves a default ignore_row_if out of the kwargs it echoes, so the defaults are not written.
const e = (type: string, { ignore_row_if, ...kwargs }: Record<string, unknown>): GeExpectationConfig => ({
  type,
  kwargs:
    ignore_row_if === undefined || ignore_row_if === 'both_values_are_missing' || ignore_row_if === 'all_values_are_missing'
      ? kwargs
      : { ...kwargs, ignore_row_if },
  meta: {},
});
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
      const reference = await ge.validate(data, suite, { resultFormat: format, idColumns: ['id'] });
      const ours = await validate(table, suite as ExpectationSuite, { resultFormat: format, idColumns: ['id'] });
      expect(ours.results).toHaveLength(expectations.length);
      const problems: string[] = [];
      for (const { ours: result, ge: theirs } of pairWithGe(ours, reference)) {
        try {
          expectSameAsGe(result, theirs);
        } catch (error) {
          problems.push(`${(error as Error).message.split('\n')[0]}\n  ours: ${JSON.stringify(result.result)}\n  ge:   ${JSON.stringify(theirs.result)}`);
        }
      }
      expect(problems).toEqual([]);
    }, 120_000);
  }
});
