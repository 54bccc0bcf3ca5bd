import { z } from 'zod';
import { BOUNDS, COMMON, withinBounds } from './kwargs.js';
import { defineAggregate, type AggregateExpectation } from './definition.js';
import { jsonValue } from '../validate/results.js';

/** Expectations on the table as a whole: its row count and its columns. */
export const TABLE_EXPECTATIONS: Record<string, AggregateExpectation<unknown>> = {
  expect_table_row_count_to_be_between: defineAggregate({
    family: 'table',
    kwargs: z.strictObject({ ...BOUNDS, ...COMMON }),
    columns: () => [],
    metrics: () => ({ rows: 'count(*)' }),
    evaluate: (k, metrics) => {
      const rows = jsonValue(metrics['rows']) as number;
      return { success: withinBounds(rows, k), result: { observed_value: rows } };
    },
  }),
};
