import { z } from 'zod';
import { BOUNDS, column, COMMON, withinBounds } from './kwargs.js';
import { defineAggregate, type AggregateExpectation, type DataShape } from './definition.js';
import { DISTINCT_VALUE_EXPECTATIONS } from './column-distinct.js';
import { QUANTILE_EXPECTATIONS } from './column-quantiles.js';
import { geTemporal, isNumericColumn, present, TEMPORAL_TYPES, typeName } from './column-values.js';
import { col } from './sql.js';
import { jsonValue, type JsonValue } from '../validate/results.js';

export { present } from './column-values.js';

const boundedColumn = z.strictObject({ column, ...BOUNDS, ...COMMON });
type BoundedColumn = z.infer<typeof boundedColumn>;

const UNORDERED = new Set(['binary', 'variant', 'void']);

/** Types with an order both pandas and DuckDB agree on (numbers, text by code point, booleans, dates, timestamps). */
const isOrderable = (shape: DataShape, name: string): boolean => {
  const type = shape.field(name)?.type;
  return (type?.kind === 'primitive' && !UNORDERED.has(type.name)) || type?.kind === 'decimal';
};

/** A statistic of one column, and which columns pandas can take it of. */
interface Statistic {
  /** The aggregate over the column's present values. */
  sql?: (value: string) => string;
  /** Or the statistic read from positions of the sorted values (the median), shared with the other reads of the column. */
  sorted?: { positions: (n: number) => number[]; combine: (values: unknown[]) => JsonValue };
  /** Arithmetic: numbers, and booleans as 0/1 (as numpy sums them). Otherwise any type. */
  arithmetic?: boolean;
  /** min/max: a value of the column itself, so ordered types only, reported as GE prints them. */
  keepsType?: boolean;
  /** GE drops the missing values itself first (median), so Python objects among them cannot trip pandas. */
  dropsMissing?: boolean;
}

/** GE (pydantic) reads a date-like string bound of min/max as a datetime, which no observed value of 1.24 then compares with. */
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** GE's `_validate_metric_value_between` on a present observation, or the TypeError it raises comparing unlike values. */
function compareWithBounds(observed: JsonValue, k: BoundedColumn, temporal: boolean): { success: boolean } | { exception: string } {
  const bounds = [k.min_value, k.max_value].filter((b) => b !== null && b !== undefined);
  if (bounds.length === 0) return { success: true };
  const kind = typeof observed === 'boolean' ? 'number' : typeof observed;
  const unlike = bounds.find((b) => temporal || (typeof b === 'string' && DATE_LIKE.test(b)) || typeof b !== kind);
  if (unlike !== undefined)
    return { exception: `GE cannot compare the observed value ${JSON.stringify(observed)} with the bound ${JSON.stringify(unlike)} (TypeError)` };
  const value = typeof observed === 'boolean' ? Number(observed) : (observed as number | string);
  return { success: withinBounds(value, k) };
}

/**
 * `observed_value` from one aggregate, bounded by min/max as GE's `_validate_metric_value_between`.
 * pandas reads strings, dates and decimals as Python objects: with a missing value among them,
 * its min/max (strings, dates) and arithmetic (decimals) raise, and so does GE.
 */
function boundedMetric(statistic: Statistic): AggregateExpectation<unknown> {
  const accepts = (shape: DataShape, name: string): boolean =>
    statistic.arithmetic === true
      ? isNumericColumn(shape, name) || typeName(shape, name) === 'boolean'
      : statistic.keepsType === true
        ? isOrderable(shape, name)
        : true;
  // numpy's arithmetic takes booleans as 0 and 1; pandas' median reads decimals as floats.
  const value = (shape: DataShape, name: string): string => {
    const type = typeName(shape, name);
    if (statistic.arithmetic === true && type === 'boolean') return `${present(shape, name)}::INTEGER`;
    if (statistic.sorted !== undefined && type === 'decimal') return `${present(shape, name)}::DOUBLE`;
    return present(shape, name);
  };
  const objectNullsRaise = (shape: DataShape, name: string): boolean => {
    const type = typeName(shape, name);
    if (statistic.dropsMissing === true) return false;
    return statistic.arithmetic === true ? type === 'decimal' : statistic.keepsType === true && (type === 'string' || type === 'date');
  };
  return defineAggregate<BoundedColumn>({
    family: 'column_aggregate',
    kwargs: boundedColumn,
    columns: (k) => [k.column],
    metrics: (k, shape) => {
      if (!accepts(shape, k.column)) return {};
      const metrics: Record<string, string> = statistic.sql === undefined ? {} : { observed: statistic.sql(value(shape, k.column)) };
      if (objectNullsRaise(shape, k.column)) metrics['nulls'] = `count(*) FILTER (WHERE ${col(k.column)} IS NULL)`;
      return metrics;
    },
    sorted: (k, shape) => {
      const read = statistic.sorted;
      return read === undefined || !accepts(shape, k.column) ? undefined : { expression: value(shape, k.column), positions: read.positions };
    },
    evaluate: (k, metrics, { shape, sorted }) => {
      const type = typeName(shape, k.column) ?? '';
      if (!accepts(shape, k.column)) return { success: false, result: {}, exception: `pandas cannot take this statistic of the ${type} column ${k.column}` };
      if (Number(metrics['nulls'] ?? 0) > 0)
        return { success: false, result: {}, exception: `pandas cannot take this statistic of the ${type} column ${k.column}, which has missing values` };
      const temporal = statistic.keepsType === true && type in TEMPORAL_TYPES;
      const observed = temporal
        ? geTemporal(metrics['observed'], type, 'iso')
        : statistic.sorted !== undefined
          ? sorted === undefined || sorted.n === 0
            ? null
            : statistic.sorted.combine(statistic.sorted.positions(sorted.n).map((p) => sorted.at(p)))
          : jsonValue(metrics['observed']);
      if (observed === null || observed === 'NaN') return { success: false, result: { observed_value: null } };
      const outcome = compareWithBounds(observed, k, temporal);
      if ('exception' in outcome) return { success: false, result: {}, exception: outcome.exception };
      return { success: outcome.success, result: { observed_value: observed } };
    },
  });
}

/** Expectations on one statistic of a column. Every statistic skips NULL and, as pandas does, NaN (made NULL by `present`). */
export const COLUMN_AGGREGATE_EXPECTATIONS: Record<string, AggregateExpectation<unknown>> = {
  expect_column_mean_to_be_between: boundedMetric({ sql: (v) => `avg(${v})`, arithmetic: true }),
  // numpy's median: the middle value, or the mean of the two middle ones for an even count; a float even for ints.
  expect_column_median_to_be_between: boundedMetric({
    sorted: {
      positions: (n) => (n % 2 === 1 ? [(n - 1) / 2] : [n / 2 - 1, n / 2]),
      combine: (middle) => jsonValue(middle.map(Number).reduce((a, b) => a + b, 0) / middle.length),
    },
    arithmetic: true,
    dropsMissing: true,
  }),
  // pandas' std() is the sample deviation (ddof=1): NULL (GE: NaN, so null and failed) for fewer than two values.
  expect_column_stdev_to_be_between: boundedMetric({ sql: (v) => `stddev_samp(${v})`, arithmetic: true }),
  expect_column_min_to_be_between: boundedMetric({ sql: (v) => `min(${v})`, keepsType: true }),
  expect_column_max_to_be_between: boundedMetric({ sql: (v) => `max(${v})`, keepsType: true }),
  // pandas sums an empty or all-missing column to 0, where SQL gives NULL.
  expect_column_sum_to_be_between: boundedMetric({ sql: (v) => `coalesce(sum(${v}), 0)`, arithmetic: true }),
  expect_column_unique_value_count_to_be_between: boundedMetric({ sql: (v) => `count(DISTINCT ${v})` }),
  // Distinct over non-missing values; GE makes it 0 when there are none.
  expect_column_proportion_of_unique_values_to_be_between: boundedMetric({
    sql: (v) => `CASE WHEN count(${v}) = 0 THEN 0 ELSE count(DISTINCT ${v}) / count(${v}) END`,
  }),
  ...DISTINCT_VALUE_EXPECTATIONS,
  ...QUANTILE_EXPECTATIONS,
};
