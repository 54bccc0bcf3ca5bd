import { z } from 'zod';
import { BOUNDS, column, COMMON, withinBounds } from './kwargs.js';
import { defineAggregate, type AggregateExpectation, type DataShape } from './definition.js';
import { DISTINCT_VALUE_EXPECTATIONS } from './column-distinct.js';
import { QUANTILE_EXPECTATIONS } from './column-quantiles.js';
import { betweenSql } from './sql.js';
import { isNumericColumn, present, typeName } from './column-values.js';
import { jsonValue } from '../validate/results.js';

export { present } from './column-values.js';

const boundedColumn = z.strictObject({ column, ...BOUNDS, ...COMMON });
type BoundedColumn = z.infer<typeof boundedColumn>;

const hasBound = (k: BoundedColumn): boolean => (k.min_value ?? null) !== null || (k.max_value ?? null) !== null;

/**
 * `observed_value` from one aggregate, bounded by min/max as GE's `_validate_metric_value_between`.
 * Temporal statistics follow pandas: a date (a Python object) or a tz-aware Timestamp cannot be
 * compared with GE's bounds, so GE raises; a naive timestamp compares with parsed string bounds,
 * which DuckDB does when it casts the literal.
 */
function boundedMetric(sql: (value: string, shape: DataShape, name: string) => string): AggregateExpectation<unknown> {
  return defineAggregate<BoundedColumn>({
    family: 'column_aggregate',
    kwargs: boundedColumn,
    columns: (k) => [k.column],
    metrics: (k, shape) => {
      const observed = sql(present(shape, k.column), shape, k.column);
      return typeName(shape, k.column) === 'timestamp_ntz' ? { observed, within: `(${betweenSql(observed, k)})` } : { observed };
    },
    evaluate: (k, metrics, { shape }) => {
      const type = typeName(shape, k.column);
      const observed = jsonValue(metrics['observed']);
      if ((type === 'date' || type === 'timestamp') && hasBound(k) && observed !== null)
        return {
          success: false,
          result: {},
          exception: `Cannot compare the ${type} ${String(observed)} of column ${k.column} with the bounds (GE raises TypeError)`,
        };
      if (type === 'timestamp_ntz') return { success: observed !== null && metrics['within'] !== false, result: { observed_value: observed } };
      return { success: withinBounds(typeof observed === 'number' || typeof observed === 'string' ? observed : null, k), result: { observed_value: observed } };
    },
  });
}

/** Expectations on one statistic of a column. Every statistic skips NULL and, as pandas does, NaN (made NULL by `present`). */
export const COLUMN_AGGREGATE_EXPECTATIONS: Record<string, AggregateExpectation<unknown>> = {
  expect_column_mean_to_be_between: boundedMetric((v) => `avg(${v})`),
  // pandas' median averages the two middle values for an even count, as DuckDB's median does; a float even for ints.
  expect_column_median_to_be_between: boundedMetric((v, shape, name) => (isNumericColumn(shape, name) ? `median(${v}::DOUBLE)` : `median(${v})`)),
  // pandas' std() is the sample deviation (ddof=1): NULL (GE: NaN, so null and failed) for fewer than two values.
  expect_column_stdev_to_be_between: boundedMetric((v) => `stddev_samp(${v})`),
  expect_column_min_to_be_between: boundedMetric((v) => `min(${v})`),
  expect_column_max_to_be_between: boundedMetric((v) => `max(${v})`),
  // pandas sums an empty or all-missing column to 0, where SQL gives NULL.
  expect_column_sum_to_be_between: boundedMetric((v) => `coalesce(sum(${v}), 0)`),
  expect_column_unique_value_count_to_be_between: boundedMetric((v) => `count(DISTINCT ${v})`),
  // Distinct over non-missing values; GE makes it 0 when there are none.
  expect_column_proportion_of_unique_values_to_be_between: boundedMetric((v) => `CASE WHEN count(${v}) = 0 THEN 0 ELSE count(DISTINCT ${v}) / count(${v}) END`),
  ...DISTINCT_VALUE_EXPECTATIONS,
  ...QUANTILE_EXPECTATIONS,
};
