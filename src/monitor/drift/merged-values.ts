import { quoteIdent } from '../../engine/index.js';
import { DriftColumnUnsupportedError } from '../errors.js';
import type { StorageFamily } from './column-type.js';
import type { ColumnType } from './methods.js';

/** One side's column: its name and DuckDB type. */
export interface SideColumn {
  name: string;
  duckdbType: string;
  family: StorageFamily;
}

/** The CTE names the statistics read: the two relations, and their merged distinct values. */
export const REFERENCE = 'aq_reference';
export const CURRENT = 'aq_current';
export const VALUES = 'aq_values';

export interface SideValues {
  /** The value as the statistics compare it. */
  value: string;
  /** Which rows hold a value: not NULL, and for floats not NaN or ±inf (Evidently drops them all). */
  present: string;
}

/**
 * A query prefix defining `aq_values(v, nr, nc)`: every distinct value of the column in
 * either relation with its count in the reference (nr) and in the current data (nc). Every
 * statistic is an aggregate or a window over it, so rows never leave DuckDB and a sample's
 * size only costs DuckDB a hash aggregate (it spills past its memory limit).
 */
export function mergedValuesSql(reference: { sql: string; column: SideColumn }, current: { sql: string; column: SideColumn }, type: ColumnType): string {
  const [ref, cur] =
    type === 'numeric' ? [numericValues(reference.column), numericValues(current.column)] : categoricalValues(reference.column, current.column);
  return `WITH ${REFERENCE} AS NOT MATERIALIZED (${reference.sql}), ${CURRENT} AS NOT MATERIALIZED (${current.sql}),
  ${VALUES} AS (
    SELECT v, count(*) FILTER (WHERE s = 0) AS nr, count(*) FILTER (WHERE s = 1) AS nc
    FROM (SELECT ${ref.value} AS v, 0 AS s FROM ${REFERENCE} WHERE ${ref.present}
          UNION ALL SELECT ${cur.value} AS v, 1 AS s FROM ${CURRENT} WHERE ${cur.present})
    GROUP BY v)`;
}

const NUMBER_FAMILIES: readonly StorageFamily[] = ['float', 'int', 'uint', 'bool'];

/** Numbers as doubles (pandas takes a numeric column's values as float64), NaN and ±inf left out. */
export function numericValues(column: SideColumn): SideValues {
  if (!NUMBER_FAMILIES.includes(column.family))
    throw new DriftColumnUnsupportedError(column.name, `it is numeric in the current data but ${column.duckdbType} in the reference`);
  const value = `CAST(${quoteIdent(column.name)} AS DOUBLE)`;
  return { value, present: `isfinite(${value})` };
}

/**
 * Categories compare as Python compares dict keys: 1, 1.0 and True are one key, '1' and 1
 * two. Columns of one DuckDB type compare as they are; numbers of different types as
 * doubles; strings of different types as text; a string against a number never matches,
 * so each value is tagged with its kind.
 */
function categoricalValues(reference: SideColumn, current: SideColumn): [SideValues, SideValues] {
  const present = (column: SideColumn, value: string): string =>
    column.family === 'float' ? `isfinite(CAST(${quoteIdent(column.name)} AS DOUBLE))` : `${value} IS NOT NULL`;
  const side = (column: SideColumn, value: string): SideValues => ({ value, present: present(column, quoteIdent(column.name)) });
  if (reference.duckdbType === current.duckdbType) return [side(reference, quoteIdent(reference.name)), side(current, quoteIdent(current.name))];
  const numeric = (c: SideColumn): boolean => NUMBER_FAMILIES.includes(c.family);
  if (numeric(reference) && numeric(current))
    return [side(reference, `CAST(${quoteIdent(reference.name)} AS DOUBLE)`), side(current, `CAST(${quoteIdent(current.name)} AS DOUBLE)`)];
  if (reference.family === 'string' && current.family === 'string')
    return [side(reference, `CAST(${quoteIdent(reference.name)} AS VARCHAR)`), side(current, `CAST(${quoteIdent(current.name)} AS VARCHAR)`)];
  const tagged = (c: SideColumn): string =>
    numeric(c) ? `'n' || CAST(CAST(${quoteIdent(c.name)} AS DOUBLE) AS VARCHAR)` : `${quoteLiteralTag(c.family)} || CAST(${quoteIdent(c.name)} AS VARCHAR)`;
  return [side(reference, tagged(reference)), side(current, tagged(current))];
}

const quoteLiteralTag = (family: StorageFamily): string => (family === 'string' ? "'s'" : `'${family}:'`);

/** A double as a SQL literal DuckDB parses back to the same double (a decimal literal would be a DECIMAL first). */
export function sqlDouble(x: number): string {
  if (Number.isNaN(x)) return "'nan'::DOUBLE";
  if (x === Number.POSITIVE_INFINITY) return "'inf'::DOUBLE";
  if (x === Number.NEGATIVE_INFINITY) return "'-inf'::DOUBLE";
  return `'${String(x)}'::DOUBLE`;
}
