import type { z } from 'zod';
import type { StructField } from '../../table/index.js';
import type { ResultFormat } from '../validate/result-format.js';
import type { JsonValue } from '../validate/results.js';

/** GE's families: how an expectation is evaluated and what its result looks like. */
export type ExpectationFamily = 'column_map' | 'column_pair_map' | 'multicolumn_map' | 'column_aggregate' | 'table';

/** The columns of the data being validated, with their Delta types. */
export interface DataShape {
  readonly fields: readonly StructField[];
  field(name: string): StructField | undefined;
}

/** What a definition may ask of the data before it says how it is evaluated (read in a pass of its own, only when asked). */
export interface DataFacts {
  /** NULL values in a column named by `nullCountsNeeded`; undefined for any other. */
  nullCount(column: string): number | undefined;
}

/**
 * Hooks a definition may add. pandas' dtype, which GE's to_be_of_type reads, depends on the
 * data (an integer column with a null is float64, a boolean one object), so that definition
 * picks its family only once the null counts are known.
 */
interface Resolvable<K> {
  /** Columns whose null count `resolve` needs. */
  nullCountsNeeded?(kwargs: K, shape: DataShape): string[];
  /** The definition that evaluates these kwargs on this data; a string is the error GE would raise, reported in the result. */
  resolve?(kwargs: K, shape: DataShape, facts: DataFacts): ExpectationDefinition | string;
  /**
   * Written by a user (a SQL predicate, a registered definition): a column it names that the
   * data lacks is a QUALITY_COLUMN_NOT_FOUND error rather than a result, and its SQL is bound
   * before the pass so DuckDB names such a column.
   */
  readonly custom?: boolean;
}

/** SQL over the rows being validated: `rows` is the relation to name in FROM clauses. */
export interface RowsQuery {
  readonly rows: string;
  query(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * A per-row expectation: each row that takes part (`considered`, GE's non-missing rows) is
 * expected or not (`unexpected`), so every failing row can be named and a gate can send it
 * to quarantine. Both are SQL over the columns of one row; `unexpected` may use subqueries
 * over `rows` (uniqueness needs the other rows).
 */
export interface MapExpectation<K> extends Resolvable<K> {
  readonly family: 'column_map' | 'column_pair_map' | 'multicolumn_map';
  readonly kwargs: z.ZodType<K>;
  /** The columns whose values a result reports for a failing row, in order; all must exist. */
  columns(kwargs: K): string[];
  considered(kwargs: K, shape: DataShape): string;
  unexpected(kwargs: K, shape: DataShape, rows: string): string;
  /**
   * not_be_null and be_null: GE counts them over all rows (no missing rows), so their
   * result has no `missing_*` keys and `unexpected_percent` is over every row.
   */
  readonly overAllRows?: boolean;
  /** GE's be_null leaves `unexpected_index_column_names` out of its result; kept out here too. */
  readonly omitsIndexColumnNames?: boolean;
  /** Whether `unexpected` looks at other rows (a gate cannot judge such a row alone within a batch). */
  readonly acrossRows?: boolean;
  /**
   * A one-row query over `rows` whose one column counts the unexpected rows, where that is
   * cheaper than testing each row with `unexpected` (uniqueness by sorting rather than by a
   * hash of every value); undefined where it is not.
   */
  unexpectedCount?(kwargs: K, shape: DataShape, rows: string): string | undefined;
}

/** What an aggregate or table expectation found. */
export interface AggregateOutcome {
  success: boolean;
  result: Record<string, JsonValue>;
  /** Where GE's own evaluation raises (e.g. comparing a tz-aware timestamp with a date): its result is then empty and failed. */
  exception?: string;
}

/**
 * Values an expectation reads at positions of a column's sorted values (quantiles, the
 * median). Every expectation on the same `expression` shares one sort of it in the pass,
 * once a count before it has said how many values there are.
 */
export interface SortedRead {
  /** SQL of the values to sort (NULLs take no part). */
  expression: string;
  /** 0-based positions among the `n` sorted values that `evaluate` reads. */
  positions(n: number): number[];
}

/** What a pass found at the positions a `SortedRead` asked for. */
export interface SortedValues {
  /** How many values were sorted. */
  n: number;
  /** The value at a position asked for (DuckDB's value: a bigint for a BIGINT column). */
  at(position: number): unknown;
}

/**
 * An expectation on the data as a whole (a column's mean, the row count, the column list):
 * its `metrics` are aggregate SQL computed in the same single pass as every other
 * expectation's, and its `sorted` values (quantiles) are read in that pass too; `evaluate`
 * turns them into GE's result, querying further only where one pass cannot answer.
 */
export interface AggregateExpectation<K> extends Resolvable<K> {
  readonly family: 'column_aggregate' | 'table';
  readonly kwargs: z.ZodType<K>;
  /** Columns that must exist for the expectation to be evaluated. */
  columns(kwargs: K): string[];
  metrics(kwargs: K, shape: DataShape, rows: string): Record<string, string>;
  /** Sorted values to read in the pass; undefined when `evaluate` needs none for these kwargs. */
  sorted?(kwargs: K, shape: DataShape): SortedRead | undefined;
  evaluate(
    kwargs: K,
    metrics: Readonly<Record<string, unknown>>,
    context: { shape: DataShape; query: RowsQuery; format: ResultFormat; sorted?: SortedValues },
  ): AggregateOutcome | Promise<AggregateOutcome>;
}

export type ExpectationDefinition = MapExpectation<unknown> | AggregateExpectation<unknown>;

/** Erase a definition's kwargs type for the catalogue; its schema checks the kwargs before any use. */
export const defineMap = <K>(definition: MapExpectation<K>): MapExpectation<unknown> => definition as unknown as MapExpectation<unknown>;
export const defineAggregate = <K>(definition: AggregateExpectation<K>): AggregateExpectation<unknown> =>
  definition as unknown as AggregateExpectation<unknown>;

export const isMap = (definition: ExpectationDefinition): definition is MapExpectation<unknown> =>
  definition.family === 'column_map' || definition.family === 'column_pair_map' || definition.family === 'multicolumn_map';
