import { z } from 'zod';
import { quoteIdent } from '../../engine/index.js';
import { QualityColumnNotFoundError } from '../errors.js';
import { atLeast, MAX_UNEXPECTED_VALUES } from '../validate/result-format.js';
import { jsonValue } from '../validate/results.js';
import { column, COMMON, mostly } from './kwargs.js';
import { defineAggregate, defineMap, type AggregateExpectation, type DataShape, type MapExpectation } from './definition.js';

/** Aquifer's own per-row SQL check: a row passes when `sql` is TRUE for it (NULL fails, as in a Delta CHECK constraint). */
export const ROWS_SATISFY = 'aquifer_expect_rows_to_satisfy';
/** GE 1.x's SQL expectation: the batch passes when `unexpected_rows_query` returns no rows. */
export const UNEXPECTED_ROWS = 'unexpected_rows_expectation';

/** Which column a DuckDB binder error says is missing, if that is what it says. */
export function missingColumnIn(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const found = /Referenced column "([^"]+)" not found|does not have a column named "([^"]+)"/.exec(message);
  return found === null ? undefined : (found[1] ?? found[2]);
}

/** Rethrow DuckDB's "column not found" as the typed error, naming the expectation. */
export function rethrowMissingColumn(error: unknown, type: string, shape: DataShape): never {
  const name = missingColumnIn(error);
  if (name !== undefined)
    throw new QualityColumnNotFoundError(
      name,
      type,
      shape.fields.map((f) => f.name),
    );
  throw error;
}

/**
 * Python's `str.format(batch=...)` as GE applies it to the query: `{batch}` names the data,
 * `{{` and `}}` are literal braces, any other field is an error. Trailing `;` and blanks go.
 */
export function substituteBatch(query: string, batch: string): string | { error: string } {
  let out = '';
  for (let i = 0; i < query.length; i++) {
    const ch = query[i] as string;
    const next = query[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      out += ch;
      i++;
    } else if (ch === '{') {
      const end = query.indexOf('}', i);
      const field = end < 0 ? undefined : query.slice(i + 1, end);
      if (field !== 'batch') return { error: `{${field ?? ''} is not a placeholder GE fills: write {batch} for the data, {{ and }} for literal braces` };
      out += batch;
      i = end;
    } else if (ch === '}') return { error: 'an unpaired } (write }} for a literal brace)' };
    else out += ch;
  }
  return out.replace(/[;\s]+$/, '');
}

const rowsSatisfyKwargs = z.strictObject({
  sql: z.string().min(1).max(100_000),
  /** Columns whose values the result shows for a failing row (GE's multicolumn shape). */
  column_list: z.array(column).max(100).default([]),
  mostly,
  ...COMMON,
});
type RowsSatisfyKwargs = z.infer<typeof rowsSatisfyKwargs>;

const rowsSatisfy = defineMap<RowsSatisfyKwargs>({
  family: 'multicolumn_map',
  kwargs: rowsSatisfyKwargs,
  columns: (k) => k.column_list,
  considered: () => 'TRUE',
  unexpected: (k) => `(${k.sql}) IS NOT TRUE`,
  custom: true,
});

const unexpectedRowsKwargs = z.strictObject({
  unexpected_rows_query: z
    .string()
    .min(1)
    .max(100_000)
    .superRefine((query, ctx) => {
      const substituted = substituteBatch(query, 'batch');
      if (typeof substituted !== 'string') ctx.addIssue({ code: 'custom', message: substituted.error });
    }),
  ...COMMON,
});
type UnexpectedRowsKwargs = z.infer<typeof unexpectedRowsKwargs>;

/**
 * GE 1.x's UnexpectedRowsExpectation (`core/unexpected_rows_expectation.py`, and checked with
 * GE 1.24.1 on SQLite at each result_format; GE runs it on SQL
 * and Spark only): `observed_value` is the number of rows the query returns, and COMPLETE adds
 * `details.unexpected_rows`, the first 200 of them as {column: value}. `{batch}` is the data's
 * columns without Aquifer's bookkeeping, as GE's batch subquery is.
 */
const unexpectedRows = defineAggregate<UnexpectedRowsKwargs>({
  family: 'table',
  kwargs: unexpectedRowsKwargs,
  columns: () => [],
  metrics: () => ({}),
  evaluate: async (k, _metrics, { shape, query, format }) => {
    const batch = `(SELECT ${shape.fields.map((f) => quoteIdent(f.name)).join(', ')} FROM ${query.rows})`;
    const sql = substituteBatch(k.unexpected_rows_query, batch) as string;
    try {
      const [counted] = await query.query(`SELECT count(*) AS n FROM (${sql})`);
      const n = Number(counted?.['n'] ?? 0);
      const result: Record<string, ReturnType<typeof jsonValue>> = { observed_value: n };
      if (atLeast(format, 'COMPLETE')) {
        const rows = n === 0 ? [] : await query.query(`SELECT * FROM (${sql}) LIMIT ${MAX_UNEXPECTED_VALUES}`);
        result['details'] = { unexpected_rows: rows.map((r) => jsonValue(r)) };
      }
      return { success: n === 0, result };
    } catch (error) {
      return rethrowMissingColumn(error, UNEXPECTED_ROWS, shape);
    }
  },
  custom: true,
});

export const CUSTOM_SQL_EXPECTATIONS: Record<string, MapExpectation<unknown> | AggregateExpectation<unknown>> = {
  [ROWS_SATISFY]: rowsSatisfy,
  [UNEXPECTED_ROWS]: unexpectedRows,
};
