import { z } from 'zod';
import { BOUNDS, column, COMMON, mostly } from './kwargs.js';
import { defineMap, type MapExpectation } from './definition.js';
import { betweenSql, col, missing } from './sql.js';

const columnKwargs = z.strictObject({ column, mostly, ...COMMON });
type ColumnKwargs = z.infer<typeof columnKwargs>;

/**
 * Per-row expectations on one column, with GE's semantics on pandas (docs/ge-semantics.md):
 * missing values (NULL, and NaN in float columns) take no part, except for the two null
 * checks, which count every row.
 */
export const COLUMN_MAP_EXPECTATIONS: Record<string, MapExpectation<unknown>> = {
  expect_column_values_to_not_be_null: defineMap<ColumnKwargs>({
    family: 'column_map',
    kwargs: columnKwargs,
    columns: (k) => [k.column],
    considered: () => 'TRUE',
    unexpected: (k, shape) => missing(shape, k.column),
    overAllRows: true,
  }),
  expect_column_values_to_be_null: defineMap<ColumnKwargs>({
    family: 'column_map',
    kwargs: columnKwargs,
    columns: (k) => [k.column],
    considered: () => 'TRUE',
    unexpected: (k, shape) => `NOT ${missing(shape, k.column)}`,
    overAllRows: true,
    omitsIndexColumnNames: true,
  }),
  expect_column_values_to_be_between: defineMap({
    family: 'column_map',
    kwargs: z
      .strictObject({ column, mostly, ...BOUNDS, ...COMMON })
      .refine((k) => (k.min_value ?? null) !== null || (k.max_value ?? null) !== null, { message: 'min_value and max_value cannot both be null' }),
    columns: (k) => [k.column],
    considered: (k, shape) => `NOT ${missing(shape, k.column)}`,
    unexpected: (k) => `NOT (${betweenSql(col(k.column), k)})`,
  }),
};
