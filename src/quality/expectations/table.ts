import { z } from 'zod';
import { BOUNDS, column, COMMON, withinBounds } from './kwargs.js';
import { defineAggregate, type AggregateExpectation } from './definition.js';
import { pythonSorted } from './column-values.js';
import { jsonValue, type JsonValue } from '../validate/results.js';

const columnNames = z.array(column).max(10_000).nullish();

/** Expectations on the table as a whole: its row count and its columns (read from the schema, not the rows). */
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
  expect_table_row_count_to_equal: defineAggregate({
    family: 'table',
    kwargs: z.strictObject({ value: z.number().int().min(0), ...COMMON }),
    columns: () => [],
    metrics: () => ({ rows: 'count(*)' }),
    evaluate: (k, metrics) => {
      const rows = jsonValue(metrics['rows']) as number;
      return { success: rows === k.value, result: { observed_value: rows } };
    },
  }),
  /** On a mismatch GE lists every position where the lists differ, the shorter one padded with null. */
  expect_table_columns_to_match_ordered_list: defineAggregate({
    family: 'table',
    kwargs: z.strictObject({ column_list: columnNames, ...COMMON }),
    columns: () => [],
    metrics: () => ({}),
    evaluate: (k, _metrics, { shape }) => {
      const actual = shape.fields.map((f) => f.name);
      const expected = k.column_list;
      if (expected === null || expected === undefined || (expected.length === actual.length && expected.every((c, i) => c === actual[i])))
        return { success: true, result: { observed_value: actual } };
      const mismatched: JsonValue[] = [];
      for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
        const e = expected[i] ?? null;
        const f = actual[i] ?? null;
        if (e !== f) mismatched.push({ 'Expected Column Position': i, Expected: e, Found: f });
      }
      return { success: false, result: { observed_value: actual, details: { mismatched } } };
    },
  }),
  /** Unordered; with exact_match false only missing columns fail, and extra ones are still listed. */
  expect_table_columns_to_match_set: defineAggregate({
    family: 'table',
    kwargs: z.strictObject({ column_set: columnNames, exact_match: z.boolean().nullish(), ...COMMON }),
    columns: () => [],
    metrics: () => ({}),
    evaluate: (k, _metrics, { shape }) => {
      const actual = new Set(shape.fields.map((f) => f.name));
      const expected = new Set(k.column_set ?? []);
      const observed = pythonSorted([...actual]);
      const unexpected = pythonSorted([...actual].filter((c) => !expected.has(c)));
      const missing = pythonSorted([...expected].filter((c) => !actual.has(c)));
      if (unexpected.length === 0 && missing.length === 0) return { success: true, result: { observed_value: observed } };
      const mismatched: Record<string, JsonValue> = {};
      if (unexpected.length > 0) mismatched['unexpected'] = unexpected;
      if (missing.length > 0) mismatched['missing'] = missing;
      // GE's exact_match defaults to true; null (like false) lets extra columns through.
      const exact = k.exact_match === undefined || k.exact_match === true;
      return { success: !exact && missing.length === 0, result: { observed_value: observed, details: { mismatched } } };
    },
  }),
  /** GE tests `if column_index:`, so index 0 means "anywhere". A missing column is a failure, not an error. */
  expect_column_to_exist: defineAggregate({
    family: 'table',
    kwargs: z.strictObject({ column, column_index: z.number().int().nullish(), ...COMMON }),
    columns: () => [],
    metrics: () => ({}),
    evaluate: (k, _metrics, { shape }) => {
      const names = shape.fields.map((f) => f.name);
      const index = k.column_index ?? 0;
      // Python indexes from the end for a negative index.
      const success = index === 0 ? names.includes(k.column) : names.at(index) === k.column;
      return { success, result: {} };
    },
  }),
};
