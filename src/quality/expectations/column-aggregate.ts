import { z } from 'zod';
import { BOUNDS, column, COMMON, withinBounds } from './kwargs.js';
import { defineAggregate, type AggregateExpectation } from './definition.js';
import { col, isFloat } from './sql.js';
import { jsonValue } from '../validate/results.js';

const boundedColumn = z.strictObject({ column, ...BOUNDS, ...COMMON });
type BoundedColumn = z.infer<typeof boundedColumn>;

/** A column's value without GE's missing ones (NaN in float columns is missing in pandas). */
export const present = (shape: Parameters<AggregateExpectation<unknown>['metrics']>[1], name: string): string =>
  isFloat(shape, name) ? `CASE WHEN isnan(${col(name)}) THEN NULL ELSE ${col(name)} END` : col(name);

/** `observed_value` from one aggregate, bounded by min/max as GE's `_validate_metric_value_between`. */
function boundedMetric(sql: (value: string) => string): AggregateExpectation<unknown> {
  return defineAggregate<BoundedColumn>({
    family: 'column_aggregate',
    kwargs: boundedColumn,
    columns: (k) => [k.column],
    metrics: (k, shape) => ({ observed: sql(present(shape, k.column)) }),
    evaluate: (k, metrics) => {
      const observed = jsonValue(metrics['observed']);
      return { success: withinBounds(typeof observed === 'number' || typeof observed === 'string' ? observed : null, k), result: { observed_value: observed } };
    },
  });
}

/** Expectations on one statistic of a column. */
export const COLUMN_AGGREGATE_EXPECTATIONS: Record<string, AggregateExpectation<unknown>> = {
  // pandas' mean() skips NaN; DuckDB's avg skips NULL (NaN is made NULL by `present`).
  expect_column_mean_to_be_between: boundedMetric((v) => `avg(${v})`),
};
