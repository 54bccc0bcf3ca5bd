import { z } from 'zod';
import { quoteLiteral } from '../../engine/index.js';
import { column, COMMON, valueSet } from './kwargs.js';
import { defineAggregate, type AggregateExpectation, type DataShape, type RowsQuery } from './definition.js';
import { geTemporal, isNumericColumn, present, pythonSorted, TEMPORAL_TYPES, typeName } from './column-values.js';
import { literal } from './sql.js';
import type { JsonValue } from '../validate/results.js';
import type { ResultFormat } from '../validate/result-format.js';

/** GE lists at most this many distinct values (MAX_DISTINCT_VALUES), whatever partial_unexpected_count says. */
export const MAX_DISTINCT_VALUES = 20;
/** Tied modes shown in `observed_value`; pandas lists them all, which for a column of unique values is every row. */
export const MAX_MODES_SHOWN = 1_000;

type SetValue = z.infer<typeof valueSet>[number];

/** A value_set as the column compares it: each distinct value (Python equality: 1 == 1.0 == True) and, where the column's type can hold it, its SQL literal. */
interface ColumnSet {
  items: { value: SetValue; sql?: string }[];
  /** `list_contains` over the comparable values, or FALSE when none are. */
  contains: (value: string) => string;
}

/** GE parses a value_set's strings as naive datetimes, which never equal a tz-aware timestamp. */
const PARSED_STRINGS: Record<string, string> = { date: 'DATE', timestamp_ntz: 'TIMESTAMP' };

/**
 * Only values pandas could find equal to the column's go to SQL (a number never equals a string
 * there); GE parses strings for date and timestamp columns, as TRY_CAST does here. The rest can
 * never be present.
 */
function columnSet(shape: DataShape, name: string, values: readonly SetValue[]): ColumnSet {
  const type = typeName(shape, name) ?? '';
  const numeric = isNumericColumn(shape, name);
  const seen = new Set<string>();
  const items: ColumnSet['items'] = [];
  for (const value of values) {
    const key = typeof value === 'number' || typeof value === 'boolean' ? `n${Number(value)}` : `${typeof value}${String(value)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let sql: string | undefined;
    if (value === null) sql = undefined;
    else if (numeric && (typeof value === 'number' || typeof value === 'boolean')) sql = literal(Number(value));
    else if (type === 'boolean' && (typeof value === 'boolean' || value === 0 || value === 1)) sql = literal(Boolean(value));
    else if (type in PARSED_STRINGS && typeof value === 'string') sql = `TRY_CAST(${quoteLiteral(value)} AS ${PARSED_STRINGS[type]})`;
    else if (!numeric && type !== 'boolean' && !(type in TEMPORAL_TYPES) && typeof value === 'string') sql = literal(value);
    items.push(sql === undefined ? { value } : { value, sql });
  }
  const comparable = items.flatMap((i) => (i.sql === undefined ? [] : [i.sql]));
  return { items, contains: (v) => (comparable.length === 0 ? 'FALSE' : `coalesce(list_contains([${comparable.join(', ')}], ${v}), FALSE)`) };
}

/** GE reports a date-like string of a value_set as the date or naive datetime it parsed it into. */
function asGeParsed(value: SetValue, type: string): SetValue {
  const match = typeof value === 'string' ? /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?$/.exec(value) : null;
  if (match === null) return value;
  if (type === 'date') return match[1] as string;
  const time = match[2] ?? '00:00:00';
  return `${match[1]}T${time.length === 5 ? `${time}:00` : time}`;
}

const setKwargs = z.strictObject({ column, value_set: valueSet, ...COMMON });
type SetKwargs = z.infer<typeof setKwargs>;

/** GE leaves the lists out when partial_unexpected_count is 0. */
const listsShown = (format: ResultFormat): boolean => format.partialUnexpectedCount > 0;

/** The column's distinct non-missing values outside the set, sorted, at most 20 (read only when there are some). */
async function distinctOutside(query: RowsQuery, shape: DataShape, k: SetKwargs): Promise<JsonValue[]> {
  const v = present(shape, k.column);
  const rows = await query.query(
    `SELECT DISTINCT ${v} AS v FROM ${query.rows} WHERE ${v} IS NOT NULL AND NOT ${columnSet(shape, k.column, k.value_set).contains(v)} ORDER BY v LIMIT ${MAX_DISTINCT_VALUES}`,
  );
  const type = typeName(shape, k.column) ?? '';
  return rows.map((r) => geTemporal(r['v'], type, 'iso'));
}

/** The set's values the column does not have, sorted as Python would, at most 20. */
async function setMissing(query: RowsQuery, shape: DataShape, k: SetKwargs): Promise<JsonValue[]> {
  const set = columnSet(shape, k.column, k.value_set);
  const candidates = set.items.map((item, i) => ({ ...item, i })).filter((item) => item.sql !== undefined);
  const found = new Set<number>();
  if (candidates.length > 0) {
    const v = present(shape, k.column);
    const rows = await query.query(
      `SELECT s.i FROM (VALUES ${candidates.map((c) => `(${c.i}, ${c.sql})`).join(', ')}) AS s(i, v) WHERE s.v IN (SELECT ${v} FROM ${query.rows} WHERE ${v} IS NOT NULL)`,
    );
    for (const row of rows) found.add(Number(row['i']));
  }
  const type = typeName(shape, k.column) ?? '';
  const missing = set.items.filter((_, i) => !found.has(i)).map((item) => (type in TEMPORAL_TYPES ? asGeParsed(item.value, type) : item.value));
  return pythonSorted(missing).slice(0, MAX_DISTINCT_VALUES);
}

function distinctSetExpectation(checks: { outside: boolean; missing: boolean }): AggregateExpectation<unknown> {
  return defineAggregate<SetKwargs>({
    family: 'column_aggregate',
    kwargs: setKwargs,
    columns: (k) => [k.column],
    metrics: (k, shape) => {
      const v = present(shape, k.column);
      const set = columnSet(shape, k.column, k.value_set);
      return {
        outside: `count(DISTINCT ${v}) FILTER (WHERE NOT ${set.contains(v)})`,
        inside: `count(DISTINCT ${v}) FILTER (WHERE ${set.contains(v)})`,
      };
    },
    evaluate: async (k, metrics, { shape, query, format }) => {
      const outside = Number(metrics['outside'] ?? 0);
      const missing = columnSet(shape, k.column, k.value_set).items.length - Number(metrics['inside'] ?? 0);
      const result: Record<string, JsonValue> = { observed_value: null };
      if (checks.outside) result['unexpected_count'] = outside;
      if (checks.missing) result['missing_count'] = missing;
      if (listsShown(format)) {
        if (checks.outside) result['partial_unexpected_list'] = outside > 0 ? await distinctOutside(query, shape, k) : [];
        if (checks.missing) result['partial_missing_list'] = missing > 0 ? ((await setMissing(query, shape, k)) as JsonValue[]) : [];
      }
      return { success: (!checks.outside || outside === 0) && (!checks.missing || missing === 0), result };
    },
  });
}

const mostCommonKwargs = z.strictObject({ column, value_set: valueSet, ties_okay: z.boolean().nullish(), ...COMMON });

/** Expectations on a column's set of distinct values and on its most common value. */
export const DISTINCT_VALUE_EXPECTATIONS: Record<string, AggregateExpectation<unknown>> = {
  expect_column_distinct_values_to_be_in_set: distinctSetExpectation({ outside: true, missing: false }),
  expect_column_distinct_values_to_contain_set: distinctSetExpectation({ outside: false, missing: true }),
  expect_column_distinct_values_to_equal_set: distinctSetExpectation({ outside: true, missing: true }),
  /**
   * pandas' mode(): every value tied for the most rows, sorted, missing values left out. The
   * counts need a GROUP BY of their own, run after the pass; only the modes come back.
   */
  expect_column_most_common_value_to_be_in_set: defineAggregate({
    family: 'column_aggregate',
    kwargs: mostCommonKwargs,
    columns: (k) => [k.column],
    metrics: () => ({}),
    evaluate: async (k, _metrics, { shape, query }) => {
      const v = present(shape, k.column);
      const set = columnSet(shape, k.column, k.value_set);
      const [row] = await query.query(
        `SELECT count(*) AS modes, count(*) FILTER (WHERE ${set.contains('v')}) AS hits, list(v ORDER BY v) FILTER (WHERE shown <= ${MAX_MODES_SHOWN}) AS shown
         FROM (SELECT v, row_number() OVER (ORDER BY v) AS shown
               FROM (SELECT v, n, max(n) OVER () AS top FROM (SELECT ${v} AS v, count(*) AS n FROM ${query.rows} WHERE ${v} IS NOT NULL GROUP BY ALL))
               WHERE n = top)`,
      );
      const modes = Number(row?.['modes'] ?? 0);
      const hits = Number(row?.['hits'] ?? 0);
      const type = typeName(shape, k.column) ?? '';
      const shown = Array.isArray(row?.['shown']) ? (row['shown'] as unknown[]).map((m) => geTemporal(m, type, 'numpy')) : [];
      // GE: with ties_okay any tied mode in the set will do; otherwise there must be one mode, in the set.
      const success = k.ties_okay === true ? hits > 0 : modes === 1 && hits === 1;
      return { success, result: { observed_value: shown } };
    },
  }),
};
