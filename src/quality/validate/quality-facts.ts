import type { ColumnMetrics, DatasetRef } from '../../observe/index.js';
import type { ExpectationResult, SuiteValidationResult } from './results.js';

type DataQuality = NonNullable<DatasetRef['dataQuality']>;

/** The aggregate expectations whose observed value is one of OpenLineage's column metrics. */
const OBSERVED_METRIC: Readonly<Record<string, 'distinctCount' | 'min' | 'max' | 'sum'>> = {
  expect_column_unique_value_count_to_be_between: 'distinctCount',
  expect_column_min_to_be_between: 'min',
  expect_column_max_to_be_between: 'max',
  expect_column_sum_to_be_between: 'sum',
};

const ROW_COUNT = new Set(['expect_table_row_count_to_be_between', 'expect_table_row_count_to_equal']);

const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * What a validation found, in the terms of OpenLineage's data quality facets: one assertion
 * per expectation, and the row count and column metrics the expectations computed anyway
 * (a mean, or a value that is not a number, has no place there and is left out).
 */
export function qualityFacts(result: SuiteValidationResult, rowCount?: number): DataQuality {
  const columns: Record<string, ColumnMetrics> = {};
  const metrics = (column: string): ColumnMetrics => (columns[column] ??= {});
  let rows = rowCount;
  for (const r of result.results) {
    const type = r.expectation_config.type;
    const column = columnOf(r);
    const observed = number(r.result['observed_value']);
    if (ROW_COUNT.has(type) && observed !== undefined) rows ??= observed;
    const elements = number(r.result['element_count']);
    if (elements !== undefined) rows ??= elements;
    if (column === undefined) continue;
    const unexpected = number(r.result['unexpected_count']);
    const missing = number(r.result['missing_count']);
    if (type === 'expect_column_values_to_not_be_null' && unexpected !== undefined) metrics(column).nullCount = unexpected;
    else if (type === 'expect_column_values_to_be_null' && unexpected !== undefined && elements !== undefined)
      metrics(column).nullCount = elements - unexpected;
    else if (missing !== undefined) metrics(column).nullCount = missing;
    if (elements !== undefined) metrics(column).count = elements;
    const metric = OBSERVED_METRIC[type];
    if (metric !== undefined && observed !== undefined) metrics(column)[metric] = observed;
    if (type === 'expect_column_quantile_values_to_be_between') {
      const quantiles = quantilesOf(r.result['observed_value']);
      if (quantiles !== undefined) metrics(column).quantiles = quantiles;
    }
  }
  return {
    ...(rows === undefined ? {} : { rowCount: rows }),
    ...(Object.keys(columns).length === 0 ? {} : { columns }),
    assertions: result.results.map((r) => {
      const column = columnOf(r);
      return { assertion: r.expectation_config.type, success: r.success, ...(column === undefined ? {} : { column }) };
    }),
  };
}

function columnOf(result: ExpectationResult): string | undefined {
  const column = result.expectation_config.kwargs['column'];
  return typeof column === 'string' ? column : undefined;
}

function quantilesOf(observed: unknown): Record<string, number> | undefined {
  if (typeof observed !== 'object' || observed === null) return undefined;
  const { quantiles, values } = observed as { quantiles?: unknown; values?: unknown };
  if (!Array.isArray(quantiles) || !Array.isArray(values)) return undefined;
  const out: Record<string, number> = {};
  quantiles.forEach((q, i) => {
    const v = number(values[i]);
    if (typeof q === 'number' && v !== undefined) out[String(q)] = v;
  });
  return Object.keys(out).length === 0 ? undefined : out;
}
