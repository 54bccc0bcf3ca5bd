import { z } from 'zod';
import { BOUNDS, column, COMMON, mostly, valueSet } from './kwargs.js';
import { defineMap, type DataShape, type MapExpectation } from './definition.js';
import { inSet, presentValue, pythonText, setMembers } from './pandas-values.js';
import { betweenSql, col, literal, missing } from './sql.js';
import { isNumericColumn, typeName } from './column-values.js';

const columnKwargs = z.strictObject({ column, mostly, ...COMMON });
type ColumnKwargs = z.infer<typeof columnKwargs>;

/** Types whose values sort as fixed-width keys. */
const SORTS_FAST = new Set(['byte', 'short', 'integer', 'long', 'float', 'double', 'date', 'timestamp', 'timestamp_ntz', 'boolean']);

const notMissing = (k: { column: string }, shape: DataShape): string => `NOT ${missing(shape, k.column)}`;

/**
 * A Python regex DuckDB can run: RE2 has no lookaround and no backreferences, so a pattern
 * using them is refused up front rather than failing the whole pass.
 */
const pythonRegex = z
  .string()
  .max(10_000)
  .default('(?s).*')
  .refine((r) => !/\(\?<?[=!]|\(\?P=|\\[1-9]/.test(r), {
    message: "uses lookaround or a backreference, which DuckDB's regex engine (RE2) does not support",
  });

/**
 * The body of a pattern anchored at both ends (`^body$`) with no alternation, group flags or
 * further anchors, which is then exactly RE2's full match of the body.
 */
export function wholeMatchBody(pattern: string): string | undefined {
  const body = /^\^(.*)\$$/s.exec(pattern)?.[1];
  if (body === undefined || /[\^$|]|\(\?/.test(body)) return undefined;
  const trailingBackslashes = /\\*$/.exec(body)?.[0].length ?? 0;
  return trailingBackslashes % 2 === 0 ? body : undefined;
}

/**
 * GE's regex checks: Python `re.search` on `str(value)`; DuckDB's `regexp_matches` is a partial
 * match too (RE2). A pattern anchored at both ends runs as `regexp_full_match` of its body,
 * which RE2 answers several times faster.
 */
function regex(negated: boolean): MapExpectation<unknown> {
  return defineMap({
    family: 'column_map',
    kwargs: z.strictObject({ column, regex: pythonRegex, mostly, ...COMMON }),
    columns: (k) => [k.column],
    considered: (k, shape) => notMissing(k, shape),
    unexpected: (k, shape, rows) => {
      const whole = wholeMatchBody(k.regex);
      const text = pythonText(shape, k.column, rows);
      const matches = whole === undefined ? `regexp_matches(${text}, ${literal(k.regex)})` : `regexp_full_match(${text}, ${literal(whole)})`;
      return `${negated ? '' : 'NOT '}${matches}`;
    },
  });
}

/** `len(str(value))`, in code points (DuckDB's `length`). */
const textLength = (shape: DataShape, name: string, rows: string): string => `length(${pythonText(shape, name, rows)})`;

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
    // pandas compares the values with the bounds and raises on unlike types (text against a number, a number against text).
    resolve(k, shape) {
      const type = typeName(shape, k.column) ?? '';
      const numeric = isNumericColumn(shape, k.column) || type === 'boolean';
      const unlike = [k.min_value, k.max_value].find(
        (b) => b !== null && b !== undefined && (numeric ? typeof b !== 'number' : type === 'string' ? typeof b !== 'string' : typeof b === 'number'),
      );
      return unlike === undefined ? this : `GE cannot compare the ${type} column ${k.column} with the bound ${JSON.stringify(unlike)} (TypeError)`;
    },
  }),
  expect_column_values_to_be_in_set: defineMap({
    family: 'column_map',
    kwargs: z.strictObject({ column, value_set: valueSet.nullable(), mostly, ...COMMON }),
    columns: (k) => [k.column],
    considered: (k, shape) => notMissing(k, shape),
    // A null value_set is vacuously met in GE.
    unexpected: (k, shape) => (k.value_set === null ? 'FALSE' : `NOT (${inSet(col(k.column), setMembers(shape, k.column, k.value_set))})`),
  }),
  expect_column_values_to_not_be_in_set: defineMap({
    family: 'column_map',
    kwargs: z.strictObject({ column, value_set: valueSet.nullable(), mostly, ...COMMON }),
    columns: (k) => [k.column],
    considered: (k, shape) => notMissing(k, shape),
    unexpected: (k, shape) => (k.value_set === null ? 'FALSE' : inSet(col(k.column), setMembers(shape, k.column, k.value_set))),
  }),
  expect_column_values_to_match_regex: regex(false),
  expect_column_values_to_not_match_regex: regex(true),
  // pandas' duplicated(keep=False): every copy of a repeated value fails; missing values never do.
  expect_column_values_to_be_unique: defineMap<ColumnKwargs>({
    family: 'column_map',
    kwargs: columnKwargs,
    columns: (k) => [k.column],
    considered: (k, shape) => notMissing(k, shape),
    unexpected: (k, shape, rows) => {
      const value = presentValue(shape, k.column);
      return `${value} IN (SELECT ${value} FROM ${rows} WHERE ${value} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)`;
    },
    // Fixed-width values sort faster than a hash table of millions of distinct ones fills
    // (measured 4x on 10M unique BIGINTs); a repeated value sits next to its copy once sorted.
    // Text sorts slowly, and hashing wins where values repeat, so text keeps the hash.
    unexpectedCount: (k, shape, rows) => {
      if (!SORTS_FAST.has(typeName(shape, k.column) ?? '')) return undefined;
      const value = presentValue(shape, k.column);
      return `SELECT count(*) FROM (SELECT aq_v, lag(aq_v) OVER (ORDER BY aq_v) AS aq_before, lead(aq_v) OVER (ORDER BY aq_v) AS aq_after
        FROM (SELECT ${value} AS aq_v FROM ${rows}) WHERE aq_v IS NOT NULL) WHERE aq_v = aq_before OR aq_v = aq_after`;
    },
    acrossRows: true,
  }),
  expect_column_value_lengths_to_be_between: defineMap({
    family: 'column_map',
    kwargs: z
      .strictObject({ column, mostly, ...BOUNDS, ...COMMON })
      .refine((k) => (k.min_value ?? null) !== null || (k.max_value ?? null) !== null, { message: 'min_value and max_value cannot both be null' }),
    columns: (k) => [k.column],
    considered: (k, shape) => notMissing(k, shape),
    unexpected: (k, shape, rows) => `NOT (${betweenSql(textLength(shape, k.column, rows), k)})`,
  }),
  expect_column_value_lengths_to_equal: defineMap({
    family: 'column_map',
    kwargs: z.strictObject({ column, value: z.number(), mostly, ...COMMON }),
    columns: (k) => [k.column],
    considered: (k, shape) => notMissing(k, shape),
    unexpected: (k, shape, rows) => `${textLength(shape, k.column, rows)} <> ${literal(k.value)}`,
  }),
};
