import { z } from 'zod';
import { column, COMMON, mostly } from './kwargs.js';
import { defineMap, type MapExpectation } from './definition.js';
import type { DataShape } from './definition.js';
import { col, missing } from './sql.js';

const ignoreRowIf = z.enum(['both_values_are_missing', 'either_value_is_missing', 'neither']).default('both_values_are_missing');

/** GE drops rows by `ignore_row_if` before evaluating a pair; the rows dropped are its missing ones. */
function pairConsidered(k: { column_A: string; column_B: string; ignore_row_if: z.infer<typeof ignoreRowIf> }, shape: DataShape): string {
  const a = missing(shape, k.column_A);
  const b = missing(shape, k.column_B);
  if (k.ignore_row_if === 'both_values_are_missing') return `NOT (${a} AND ${b})`;
  if (k.ignore_row_if === 'either_value_is_missing') return `NOT (${a} OR ${b})`;
  return 'TRUE';
}

/** Per-row expectations on two columns. A row kept with one side missing compares as false in pandas: unexpected. */
export const COLUMN_PAIR_MAP_EXPECTATIONS: Record<string, MapExpectation<unknown>> = {
  expect_column_pair_values_a_to_be_greater_than_b: defineMap({
    family: 'column_pair_map',
    kwargs: z.strictObject({ column_A: column, column_B: column, or_equal: z.boolean().nullish(), ignore_row_if: ignoreRowIf, mostly, ...COMMON }),
    columns: (k) => [k.column_A, k.column_B],
    considered: (k, shape) => pairConsidered(k, shape),
    unexpected: (k) => `(${col(k.column_A)} ${k.or_equal === true ? '>=' : '>'} ${col(k.column_B)}) IS NOT TRUE`,
  }),
  // pandas' `a == b`: NaN equals nothing, so under `neither` a row missing both sides fails.
  expect_column_pair_values_to_be_equal: defineMap({
    family: 'column_pair_map',
    kwargs: z.strictObject({ column_A: column, column_B: column, ignore_row_if: ignoreRowIf, mostly, ...COMMON }),
    columns: (k) => [k.column_A, k.column_B],
    considered: (k, shape) => pairConsidered(k, shape),
    unexpected: (k, shape) =>
      `NOT (coalesce(${col(k.column_A)} = ${col(k.column_B)}, FALSE) AND NOT ${missing(shape, k.column_A)} AND NOT ${missing(shape, k.column_B)})`,
  }),
};
