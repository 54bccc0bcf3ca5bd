import type { Engine } from '../../engine/index.js';
import { binIndexSql, sturgesEdges } from './histogram.js';
import { VALUES } from './merged-values.js';
import type { ColumnType } from './methods.js';
import type { ColumnSummary } from './statistics.js';

/** How a column's values fall in each sample, for a picture: shares per bin or per category. */
export interface ColumnDistribution {
  kind: 'bins' | 'categories';
  /** Bin ranges or category values, in order. */
  labels: string[];
  /** Each label's share of the reference's values (0..1), and of the current data's. */
  reference: number[];
  current: number[];
}

/** Categories drawn at most; the rest are summed as one bar. */
export const MAX_CATEGORIES = 20;
/** Bins a numeric column is drawn in at most (Sturges over both samples, as Evidently's own plots bin them). */
const MAX_BINS = 40;

/**
 * The distribution of one column in both samples, from the merged values (`aq_values`) the
 * statistics read: for numbers with more than MAX_CATEGORIES distinct values, Sturges bins
 * over both samples; else the categories (or few numbers), the most frequent first.
 */
export async function columnDistribution(engine: Engine, prefix: string, type: ColumnType, summary: ColumnSummary): Promise<ColumnDistribution> {
  const r = Math.max(summary.referenceCount, 1);
  const c = Math.max(summary.currentCount, 1);
  if (type === 'numeric' && summary.distinct > MAX_CATEGORIES && summary.min !== null && summary.max !== null) {
    let edges = sturgesEdges(summary.min, summary.max, summary.referenceCount + summary.currentCount, false);
    if (edges.length - 1 > MAX_BINS) edges = evenEdges(summary.min, summary.max, MAX_BINS);
    const rows = await engine.query(`${prefix}
      SELECT b.i, coalesce(s.nr, 0) AS nr, coalesce(s.nc, 0) AS nc FROM range(${edges.length - 1}) AS b(i)
      LEFT JOIN (SELECT ${binIndexSql('v', edges)} AS i, sum(nr) AS nr, sum(nc) AS nc FROM ${VALUES} GROUP BY 1) AS s ON s.i = b.i ORDER BY b.i`);
    return {
      kind: 'bins',
      labels: rows.map((_, i) => `${short(edges[i] as number)} – ${short(edges[i + 1] as number)}`),
      reference: rows.map((row) => Number(row['nr']) / r),
      current: rows.map((row) => Number(row['nc']) / c),
    };
  }
  const rows = await engine.query(`${prefix}
    SELECT CAST(v AS VARCHAR) AS label, nr, nc FROM ${VALUES} ORDER BY nr + nc DESC, label LIMIT ${MAX_CATEGORIES + 1}`);
  const shown = rows.slice(0, MAX_CATEGORIES);
  const distribution: ColumnDistribution = {
    kind: 'categories',
    labels: shown.map((row) => String(row['label'])),
    reference: shown.map((row) => Number(row['nr']) / r),
    current: shown.map((row) => Number(row['nc']) / c),
  };
  if (rows.length > MAX_CATEGORIES) {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    distribution.labels.push('(others)');
    distribution.reference.push(Math.max(0, 1 - sum(distribution.reference)));
    distribution.current.push(Math.max(0, 1 - sum(distribution.current)));
  }
  return distribution;
}

function evenEdges(min: number, max: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + ((max - min) * i) / bins));
}

function short(value: number): string {
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(4))) : value.toExponential(2);
}
