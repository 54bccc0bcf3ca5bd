import type { Engine } from '../../engine/index.js';
import { CURRENT, numericValues, REFERENCE, type SideColumn } from './merged-values.js';
import type { ColumnSummary } from './statistics.js';

/** A numeric column's summary and its normed Wasserstein distance, from one sorted pass. */
export interface SortedNumeric {
  summary: ColumnSummary;
  /** scipy's wasserstein_distance over the reference's population standard deviation (floored at 0.001). */
  wasserstein: number;
}

/**
 * What sorting a value costs DuckDB at its peak: the value, its sample, its two window orders
 * and four window results, with the sort's own copies (2.5 GiB for 2 × 10M values, measured).
 */
export const SORTED_BYTES_PER_VALUE = 128;

/**
 * Whether a numeric column is better served sorted than grouped: when most of its values are
 * distinct (floats, ids), grouping by value builds a hash table as big as the data and the
 * empirical CDFs then sort that table anyway, with running sums over it; sorting the values
 * once, with ranks, costs about half the time. Columns with few distinct values (counts, codes)
 * stay grouped: a few groups are cheaper than any sort. `distinct` is the current side's count
 * of distinct values where it was counted (integers), else undefined (floats). And only when the
 * sort fits in DuckDB's memory_limit (`memoryLimit` bytes): its windows over the whole sample
 * cannot spill (a 500 MB limit fails on 2 × 10M values), where the grouped path spills and
 * stays within the limit.
 */
export function sortedPathFits(
  column: SideColumn,
  sizes: { currentValues: number; referenceValues: number; distinct: number | undefined },
  memoryLimit: number,
): boolean {
  if ((sizes.referenceValues + sizes.currentValues) * SORTED_BYTES_PER_VALUE > memoryLimit) return false;
  if (column.family === 'float') return true;
  return sizes.distinct !== undefined && sizes.distinct > sizes.currentValues / 2;
}

const UNITS: Readonly<Record<string, number>> = {
  bytes: 1,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
};

/** DuckDB's memory_limit in bytes, as it reports it ('18.8 GiB', '476.8 MiB'); 0 when it cannot be read, so nothing is assumed to fit. */
export async function memoryLimitBytes(engine: Engine): Promise<number> {
  const [row] = await engine.query("SELECT current_setting('memory_limit') AS m");
  const match = /^\s*([\d.]+)\s*([a-z]*)\s*$/i.exec(String(row?.['m'] ?? ''));
  const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'bytes'];
  return match === null || unit === undefined ? 0 : Number(match[1]) * unit;
}

/**
 * The summary a column's first pass gives (sizes, distinct values, extremes, the reference's
 * sum) and the normed Wasserstein distance, in one query over the two samples' values sorted:
 * no GROUP BY, and only aggregates leave DuckDB.
 *
 * Each value carries the share of all values at or below it (cume_dist over both samples) and of
 * its own sample's (cume_dist per sample; peers included, so every copy of a value carries its
 * CDF), from which the other sample's count at or below it follows exactly (the shares times the
 * sizes are integers well within a double's exact range). The next value in the merged order
 * (lead) is the same value for every copy but the last, whose step to the next distinct value is
 * scipy's delta: Σ |F_ref − F_cur| · (next − v) over the rows is scipy's
 * sum(|u_cdf − v_cdf| · deltas), term for term, each CDF divided as numpy divides
 * (count / size, rounded once). Distinct values are the rows whose next value differs.
 */
export async function sortedNumeric(
  engine: Engine,
  reference: { sql: string; column: SideColumn },
  current: { sql: string; column: SideColumn },
): Promise<SortedNumeric> {
  const [ref, cur] = [numericValues(reference.column), numericValues(current.column)];
  const sql = `WITH ${REFERENCE} AS NOT MATERIALIZED (${reference.sql}), ${CURRENT} AS NOT MATERIALIZED (${current.sql}),
  aq_rows AS NOT MATERIALIZED (
    SELECT ${ref.value} AS v, 0 AS s FROM ${REFERENCE} WHERE ${ref.present}
    UNION ALL SELECT ${cur.value} AS v, 1 AS s FROM ${CURRENT} WHERE ${cur.present}),
  aq_sizes AS (
    SELECT count(*) FILTER (WHERE s = 0) AS nr, count(*) FILTER (WHERE s = 1) AS nc, min(v) AS lo, max(v) AS hi,
      fsum(v) FILTER (WHERE s = 0) AS sum_r
    FROM aq_rows),
  aq_ranked AS (
    SELECT v, s, lead(v) OVER (ORDER BY v) AS next, lead(v) OVER (PARTITION BY s ORDER BY v) AS next_in_sample,
      cume_dist() OVER (ORDER BY v) AS all_share, cume_dist() OVER (PARTITION BY s ORDER BY v) AS own
    FROM aq_rows)
  SELECT any_value(nr) AS nr, any_value(nc) AS nc, any_value(lo) AS lo, any_value(hi) AS hi, any_value(sum_r) AS sum_r,
    count(*) FILTER (WHERE next IS DISTINCT FROM v) AS k,
    count(*) FILTER (WHERE s = 0 AND next_in_sample IS DISTINCT FROM v) AS kr,
    fsum(abs(f_ref - f_cur) * (next - v)) FILTER (WHERE next IS NOT NULL) AS distance,
    sqrt(fsum((v - sum_r / nr) * (v - sum_r / nr)) FILTER (WHERE s = 0) / any_value(nr)) AS std
  FROM (
    SELECT v, s, next, next_in_sample, nr, nc, lo, hi, sum_r,
      CASE WHEN s = 0 THEN own ELSE (round(all_share * (nr + nc)) - round(own * nc)) / nr END AS f_ref,
      CASE WHEN s = 1 THEN own ELSE (round(all_share * (nr + nc)) - round(own * nr)) / nc END AS f_cur
    FROM aq_ranked, aq_sizes)`;
  const [row] = await engine.query(sql);
  const number = (key: string): number => Number(row?.[key] ?? 0);
  const nullable = (key: string): number | null => (row?.[key] === null || row?.[key] === undefined ? null : Number(row[key]));
  const summary: ColumnSummary = {
    distinct: number('k'),
    referenceDistinct: number('kr'),
    referenceCount: number('nr'),
    currentCount: number('nc'),
    min: nullable('lo'),
    max: nullable('hi'),
    referenceSum: nullable('sum_r'),
  };
  return { summary, wasserstein: (nullable('distance') ?? 0) / Math.max(nullable('std') ?? Number.NaN, 0.001) };
}
