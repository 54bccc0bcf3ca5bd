import type { Engine } from '../../engine/index.js';
import { quoteIdent } from '../../engine/index.js';
import { firstIssue } from '../../project/index.js';
import type { StructField } from '../../table/index.js';
import { EXPECTATIONS } from '../expectations/catalogue.js';
import { missingIsNaN } from '../expectations/column-values.js';
import { rethrowMissingColumn } from '../expectations/custom-sql.js';
import { geJsonValue, pythonBytes } from '../expectations/pandas-values.js';
import {
  isMap,
  type DataFacts,
  type DataShape,
  type ExpectationDefinition,
  type MapExpectation,
  type RowsQuery,
  type SortedRead,
  type SortedValues,
} from '../expectations/definition.js';
import { QualityColumnNotFoundError, SuiteInvalidError } from '../errors.js';
import type { ExpectationConfig, ExpectationSuite } from '../suite/suite.js';
import { mapResult, mapSuccess, type FailingRow, type MapCounts } from './map-result.js';
import { atLeast, MAX_UNEXPECTED_VALUES, parseResultFormat, type ResultFormat } from './result-format.js';
import { echoConfig, NO_EXCEPTION, statistics, type ExpectationResult, type SuiteValidationResult } from './results.js';

/** The relation every query of one validation reads its rows from. */
export const ROWS = 'aq_rows';
/** Each row's 0-based position in the data, which every source must provide. */
export const POSITION_COLUMN = '_aq_pos';

/** Rows to validate: any DuckDB query, with each row's position in `_aq_pos`. */
export interface ValidationSource {
  /** SQL giving the rows: the columns of `fields`, `_aq_pos`, and any bookkeeping columns (ignored). */
  sql: string;
  /** The same rows without `_aq_pos` or bookkeeping, when that is cheaper to read: for the passes that need no positions. */
  unpositionedSql?: string;
  fields: readonly StructField[];
}

export interface ValidateRowsOptions {
  /** GE's result_format for expectations that do not set their own: a level name or a dict. Default SUMMARY. */
  resultFormat?: unknown;
  /** Columns naming a failing row in `unexpected_index_list` (GE's `unexpected_index_column_names`). */
  idColumns?: readonly string[];
  /** Told the fraction done (0..1) of the pass over the data. */
  onProgress?: (fraction: number) => void;
  /** Carried into the result's `meta` (what was validated). */
  meta?: Record<string, unknown>;
  /**
   * Told, for each per-row expectation with failing rows, a statement that selects all of
   * them, so a caller can keep every one with DuckDB (INSERT, COPY) while none passes
   * through JavaScript.
   */
  onFailingRows?: (failing: FailingRowsStatement) => void;
}

/** Every failing row of one per-row expectation, as SQL over the source. */
export interface FailingRowsStatement {
  /** The expectation's index in the suite. */
  index: number;
  success: boolean;
  /** How many rows the statement gives (the result's `unexpected_count`). */
  unexpected: number;
  /** Every column of the source (bookkeeping columns and `_aq_pos` included) of each failing row. */
  sql: string;
}

/** One expectation of the suite, checked and bound to its definition. */
export interface CompiledExpectation {
  index: number;
  config: ExpectationConfig;
  definition: ExpectationDefinition;
  kwargs: Record<string, unknown>;
  format: ResultFormat;
  /** Why it cannot be evaluated on this data (a column that does not exist), as GE reports it. */
  problem?: string;
}

const NO_FACTS: DataFacts = { nullCount: () => undefined };

/**
 * Check a suite's expectations: known types, kwargs that fit them, a result_format GE would
 * take; then bind each to the definition that evaluates it on this data (`facts` are what
 * definitions asked of the data; without them they assume no nulls).
 */
export function compileSuite(suite: ExpectationSuite, shape: DataShape, defaults: ResultFormat, facts: DataFacts = NO_FACTS): CompiledExpectation[] {
  return suite.expectations.map((config, index) => {
    const definition = EXPECTATIONS.get(config.type);
    if (definition === undefined) {
      throw new SuiteInvalidError(
        `Expectation ${index + 1} of suite ${suite.name} has the unknown type ${config.type}`,
        config.type,
        'See `aquifer quality expectations` for the types Aquifer evaluates.',
      );
    }
    const parsed = definition.kwargs.safeParse(config.kwargs);
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      throw new SuiteInvalidError(
        `Expectation ${index + 1} of suite ${suite.name} (${config.type}) has invalid kwargs: ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`,
        config.kwargs,
        "Write the kwargs as GE 1.x names them for this expectation; docs/quality.md lists each one's.",
      );
    }
    const kwargs = parsed.data as Record<string, unknown>;
    const format = parseResultFormat(kwargs['result_format'], defaults);
    const missing = definition.columns(kwargs).find((c) => shape.field(c) === undefined);
    if (missing !== undefined && definition.custom === true)
      throw new QualityColumnNotFoundError(
        missing,
        config.type,
        shape.fields.map((f) => f.name),
      );
    const resolved = missing === undefined && definition.resolve !== undefined ? definition.resolve(kwargs, shape, facts) : definition;
    const compiled: CompiledExpectation = { index, config, definition: typeof resolved === 'string' ? definition : resolved, kwargs, format };
    if (missing !== undefined) compiled.problem = `The column ${missing} does not exist (columns: ${shape.fields.map((f) => f.name).join(', ')})`;
    else if (typeof resolved === 'string') compiled.problem = resolved;
    return compiled;
  });
}

export function dataShape(fields: readonly StructField[]): DataShape {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return { fields, field: (name) => byName.get(name) };
}

/**
 * Validate rows against a suite in DuckDB: one aggregate pass computes every per-row
 * expectation's counts and every aggregate's metrics together; failing rows are then read
 * back only for expectations that failed, and only as many as the result format shows.
 * The rows never pass through JavaScript.
 */
export async function validateRows(
  engine: Engine,
  source: ValidationSource,
  suite: ExpectationSuite,
  options: ValidateRowsOptions = {},
): Promise<SuiteValidationResult> {
  const shape = dataShape(source.fields);
  const defaults = parseResultFormat(options.resultFormat);
  if (options.idColumns !== undefined && options.idColumns.length > 0) defaults.unexpectedIndexColumnNames = [...options.idColumns];
  for (const id of defaults.unexpectedIndexColumnNames ?? []) {
    if (shape.field(id) === undefined)
      throw new SuiteInvalidError(`The id column ${id} does not exist`, id, `Columns: ${source.fields.map((f) => f.name).join(', ')}.`);
  }
  // NOT MATERIALIZED: a relation named twice (uniqueness) would otherwise be held in memory whole.
  const withRows = (sql: string): string => `WITH ${ROWS} AS NOT MATERIALIZED (${source.sql}) ${sql}`;
  const withUnpositioned = (sql: string): string => `WITH ${ROWS} AS NOT MATERIALIZED (${source.unpositionedSql ?? source.sql}) ${sql}`;
  const query: RowsQuery = { rows: ROWS, query: (sql) => engine.query(withRows(sql)) };
  const aggregateQuery: RowsQuery = { rows: ROWS, query: (sql) => engine.query(withUnpositioned(sql)) };
  const firstLook = compileSuite(suite, shape, defaults);
  const reads = sortedReads(firstLook, shape);
  const { facts, sortedCounts } = await dataFacts(aggregateQuery, firstLook, shape, [...reads.keys()]);
  const compiled = compileSuite(suite, shape, defaults, facts);
  await bindCustomSql(aggregateQuery, compiled, shape);

  const selects = ['count(*) AS aq_rows_n'];
  // One-row queries cross-joined to the pass: counts and sorted values that one aggregate cannot give as cheaply.
  const subqueries: string[] = [];
  for (const e of compiled) {
    if (e.problem !== undefined) continue;
    if (isMap(e.definition)) {
      const considered = e.definition.considered(e.kwargs, shape);
      selects.push(`count(*) FILTER (WHERE ${considered}) AS ${quoteIdent(`c${e.index}`)}`);
      const counted = e.definition.unexpectedCount?.(e.kwargs, shape, ROWS);
      if (counted === undefined)
        selects.push(`count(*) FILTER (WHERE (${considered}) AND (${e.definition.unexpected(e.kwargs, shape, ROWS)})) AS ${quoteIdent(`u${e.index}`)}`);
      else subqueries.push(`(SELECT * FROM (${counted}) AS aq_count(${quoteIdent(`u${e.index}`)}))`);
    } else {
      for (const [name, sql] of Object.entries(e.definition.metrics(e.kwargs, shape, ROWS))) selects.push(`${sql} AS ${quoteIdent(`m${e.index}_${name}`)}`);
    }
  }
  // Each sorted expression is sorted once, for every position any expectation reads of it.
  const sorts = [...reads.entries()].map(([expression, asked], i) => {
    const n = sortedCounts.get(expression) ?? 0;
    const wanted = n === 0 ? [] : [...new Set(asked.flatMap((read) => read.positions(n)))].sort((a, b) => a - b);
    if (wanted.length > 0) subqueries.push(`(${sortedValuesAt(expression, wanted, `s${i}`)})`);
    return { expression, name: `s${i}`, n, wanted };
  });
  const [pass] = await engine.query(
    withUnpositioned(`SELECT * FROM (SELECT ${selects.join(', ')} FROM ${ROWS})${subqueries.map((sql) => `, ${sql}`).join('')}`),
    options.onProgress === undefined ? {} : { onProgress: options.onProgress },
  );
  const values = pass ?? {};
  const rows = Number(values['aq_rows_n'] ?? 0);
  const sorted = new Map(sorts.map((sort) => [sort.expression, sortedValues(sort, values)]));

  const firstFailing = await firstFailingRows(query, compiled, shape, values);
  const results: ExpectationResult[] = [];
  for (const e of compiled) {
    const base = { expectation_config: echoConfig(e.config), meta: {} };
    if (e.problem !== undefined) {
      results.push({
        ...base,
        success: false,
        result: {},
        exception_info: { raised_exception: true, exception_traceback: null, exception_message: e.problem },
      });
      continue;
    }
    if (isMap(e.definition)) {
      const counts: MapCounts = { rows, considered: Number(values[`c${e.index}`] ?? 0), unexpected: Number(values[`u${e.index}`] ?? 0) };
      const success = mapSuccess(counts, typeof e.kwargs['mostly'] === 'number' ? e.kwargs['mostly'] : 1, e.definition.overAllRows === true);
      const columns = e.definition.columns(e.kwargs);
      const wantRows = counts.unexpected > 0 && atLeast(e.format, 'BASIC');
      const failing = firstFailing.get(e.index) ?? [];
      const all =
        wantRows && atLeast(e.format, 'COMPLETE') && counts.unexpected > failing.length ? await failingRows(query, e.definition, e, shape) : undefined;
      if (counts.unexpected > 0)
        options.onFailingRows?.({
          index: e.index,
          success,
          unexpected: counts.unexpected,
          sql: withRows(`SELECT * FROM ${ROWS} WHERE ${failingWhere(e.definition, e, shape)}`),
        });
      const nullsAreNaN = columns.length === 1 && missingIsNaN(shape, columns[0] as string);
      results.push({ ...base, success, result: mapResult(e.definition, columns, counts, failing, all, e.format, nullsAreNaN), exception_info: NO_EXCEPTION });
    } else {
      const metrics: Record<string, unknown> = {};
      for (const name of Object.keys(e.definition.metrics(e.kwargs, shape, ROWS))) metrics[name] = values[`m${e.index}_${name}`];
      const read = e.definition.sorted?.(e.kwargs, shape);
      const context = { shape, query: aggregateQuery, format: e.format };
      const outcome = await e.definition.evaluate(
        e.kwargs,
        metrics,
        read === undefined ? context : { ...context, sorted: sorted.get(read.expression) ?? { n: 0, at: () => null } },
      );
      if (outcome.exception !== undefined) {
        results.push({
          ...base,
          success: false,
          result: {},
          exception_info: { raised_exception: true, exception_traceback: null, exception_message: outcome.exception },
        });
        continue;
      }
      results.push({ ...base, success: outcome.success, result: e.format.level === 'BOOLEAN_ONLY' ? {} : outcome.result, exception_info: NO_EXCEPTION });
    }
  }
  return {
    success: results.every((r) => r.success),
    results,
    suite_name: suite.name,
    suite_parameters: {},
    statistics: statistics(results),
    meta: { ...(options.meta ?? {}) },
    id: null,
  };
}

/** The sorted values aggregate expectations read, by the expression sorted. */
function sortedReads(compiled: readonly CompiledExpectation[], shape: DataShape): Map<string, SortedRead[]> {
  const reads = new Map<string, SortedRead[]>();
  for (const e of compiled) {
    if (e.problem !== undefined || isMap(e.definition)) continue;
    const read = e.definition.sorted?.(e.kwargs, shape);
    if (read !== undefined) reads.set(read.expression, [...(reads.get(read.expression) ?? []), read]);
  }
  return reads;
}

/**
 * What must be known before the pass, in one query of its own and only when needed: the null
 * counts definitions asked for (`nullCountsNeeded`), and how many values each sorted
 * expression has (which positions quantiles read depends on it).
 */
async function dataFacts(
  query: RowsQuery,
  compiled: readonly CompiledExpectation[],
  shape: DataShape,
  sorted: readonly string[],
): Promise<{ facts: DataFacts; sortedCounts: Map<string, number> }> {
  const columns = new Set<string>();
  for (const e of compiled) {
    if (e.problem !== undefined) continue;
    const catalogued = EXPECTATIONS.get(e.config.type);
    for (const c of catalogued?.nullCountsNeeded?.(e.kwargs, shape) ?? []) columns.add(c);
  }
  if (columns.size === 0 && sorted.length === 0) return { facts: NO_FACTS, sortedCounts: new Map() };
  const names = [...columns];
  const selects = [
    ...names.map((c, i) => `count(*) FILTER (WHERE ${quoteIdent(c)} IS NULL) AS ${quoteIdent(`n${i}`)}`),
    ...sorted.map((expression, i) => `count(${expression}) AS ${quoteIdent(`s${i}`)}`),
  ];
  const [row] = await query.query(`SELECT ${selects.join(', ')} FROM ${query.rows}`);
  const counts = new Map(names.map((c, i) => [c, Number(row?.[`n${i}`] ?? 0)]));
  const sortedCounts = new Map(sorted.map((expression, i) => [expression, Number(row?.[`s${i}`] ?? 0)]));
  return { facts: { nullCount: (c) => counts.get(c) }, sortedCounts };
}

/**
 * A one-row query of the values at 0-based `positions` (ascending, distinct) of an
 * expression's sorted non-NULL values in `rows`, as one list named `name`. A window's sort
 * spills to disk under DuckDB's memory_limit, where quantile_disc holds every value in
 * memory whatever the limit, and it measured faster too.
 */
export const sortedValuesAt = (expression: string, positions: readonly number[], name: string, rows = ROWS): string =>
  `SELECT list(aq_v ORDER BY aq_rank) AS ${quoteIdent(name)} FROM (SELECT aq_v, row_number() OVER (ORDER BY aq_v) AS aq_rank FROM (SELECT ${expression} AS aq_v FROM ${rows}) WHERE aq_v IS NOT NULL) WHERE aq_rank IN (${positions.map((p) => p + 1).join(', ')})`;

/** The values the pass read of one sorted expression (its list in column `name`, in the order of `wanted`), by position. */
function sortedValues(sort: { name: string; n: number; wanted: readonly number[] }, pass: Readonly<Record<string, unknown>>): SortedValues {
  const found = pass[sort.name];
  const at = new Map(sort.wanted.map((p, i) => [p, Array.isArray(found) ? found[i] : undefined]));
  return { n: sort.n, at: (p) => at.get(p) ?? null };
}

/** Bind users' SQL (custom expectations) before the pass, so a column it names that the data lacks is named as such. */
async function bindCustomSql(query: RowsQuery, compiled: readonly CompiledExpectation[], shape: DataShape): Promise<void> {
  for (const e of compiled) {
    if (e.problem !== undefined || e.definition.custom !== true) continue;
    const selects = isMap(e.definition)
      ? [`(${e.definition.considered(e.kwargs, shape)}) AND (${e.definition.unexpected(e.kwargs, shape, ROWS)})`]
      : Object.values(e.definition.metrics(e.kwargs, shape, ROWS));
    if (selects.length === 0) continue;
    try {
      await query.query(`SELECT ${selects.join(', ')} FROM ${ROWS} LIMIT 0`);
    } catch (error) {
      rethrowMissingColumn(error, e.config.type, shape);
    }
  }
}

/** The values a result reports of a failing row: its columns', its id columns', and its position. */
function failingRowValues(e: CompiledExpectation, shape: DataShape, columns: readonly string[]): [name: string, sql: string][] {
  const ids = e.format.unexpectedIndexColumnNames ?? [];
  return [
    ...columns.map((c, i): [string, string] => [`v${i}`, geJsonValue(shape, c)]),
    ...ids.map((c, i): [string, string] => [`k${i}`, geJsonValue(shape, c)]),
    ['aq_pos', POSITION_COLUMN],
  ];
}

function failingRow(row: Readonly<Record<string, unknown>>, e: CompiledExpectation, columns: readonly string[]): FailingRow {
  return {
    values: columns.map((_, i) => pythonBytes(row[`v${i}`])),
    ids: (e.format.unexpectedIndexColumnNames ?? []).map((_, i) => pythonBytes(row[`k${i}`])),
    position: Number(row['aq_pos']),
  };
}

/**
 * The first failing rows (in row order) of every per-row expectation whose result shows
 * them, each with a top-n query of its own (DuckDB's ORDER BY ... LIMIT), so only those
 * reach JavaScript. (One pass with a top-n `min_by` per expectation measured slower.)
 */
async function firstFailingRows(
  query: RowsQuery,
  compiled: readonly CompiledExpectation[],
  shape: DataShape,
  pass: Readonly<Record<string, unknown>>,
): Promise<Map<number, FailingRow[]>> {
  const found = new Map<number, FailingRow[]>();
  for (const e of compiled) {
    if (e.problem !== undefined || !isMap(e.definition) || Number(pass[`u${e.index}`] ?? 0) === 0 || !atLeast(e.format, 'BASIC')) continue;
    const limit = atLeast(e.format, 'COMPLETE') ? Math.max(MAX_UNEXPECTED_VALUES, e.format.partialUnexpectedCount) : e.format.partialUnexpectedCount;
    found.set(e.index, await failingRows(query, e.definition, e, shape, limit));
  }
  return found;
}

/** The failing rows of one per-row expectation, in row order: the first `limit`, or all. */
async function failingRows(
  query: RowsQuery,
  definition: MapExpectation<unknown>,
  e: CompiledExpectation,
  shape: DataShape,
  limit?: number,
): Promise<FailingRow[]> {
  const columns = definition.columns(e.kwargs);
  const found = await query.query(
    `SELECT ${failingRowValues(e, shape, columns)
      .map(([name, sql]) => `${sql} AS ${quoteIdent(name)}`)
      .join(', ')} FROM ${ROWS} WHERE ${failingWhere(definition, e, shape)} ORDER BY ${POSITION_COLUMN}${limit === undefined ? '' : ` LIMIT ${limit}`}`,
  );
  return found.map((row) => failingRow(row, e, columns));
}

/** The rows of `aq_rows` a per-row expectation finds unexpected. */
function failingWhere(definition: MapExpectation<unknown>, e: CompiledExpectation, shape: DataShape): string {
  return `(${definition.considered(e.kwargs, shape)}) AND (${definition.unexpected(e.kwargs, shape, ROWS)})`;
}
