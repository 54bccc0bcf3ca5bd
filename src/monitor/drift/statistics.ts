import type { Engine } from '../../engine/index.js';
import { andersonDarlingPValue } from '../stats/anderson-darling.js';
import { cramerVonMisesApplies, cramerVonMisesPValue } from '../stats/cramer-von-mises.js';
import { chiSquareSf, normalCdf } from '../stats/distributions.js';
import { ksTwoSamplePValue } from '../stats/ks-two-sample.js';
import { binIndexSql, sturgesEdges } from './histogram.js';
import { sqlDouble, VALUES } from './merged-values.js';
import type { ColumnType, DriftMethodName } from './methods.js';

/** What the first pass over a column's merged values tells. */
export interface ColumnSummary {
  /** Distinct values in both samples together. */
  distinct: number;
  /** Distinct values in the reference. */
  referenceDistinct: number;
  /** Values (not NULL, NaN or ±inf) in each sample. */
  referenceCount: number;
  currentCount: number;
  /** Numeric columns: the extremes of both samples, and the reference's sum. */
  min: number | null;
  max: number | null;
  referenceSum: number | null;
}

export interface ColumnContext {
  engine: Engine;
  /** `WITH …, aq_values AS (…)`, to which a statistic appends its SELECT. */
  prefix: string;
  type: ColumnType;
  summary: ColumnSummary;
  /** Both samples are integers without NULLs (pandas int64), which changes numpy's Sturges width. */
  integerData: boolean;
}

/** The summary aggregate over `aq_values`. */
export function summarySql(prefix: string, type: ColumnType): string {
  const numeric = type === 'numeric' ? ', min(v) AS lo, max(v) AS hi, fsum(v * nr) AS sum_r' : '';
  return `${prefix}
  SELECT count(*) AS k, count(*) FILTER (WHERE nr > 0) AS kr, coalesce(sum(nr), 0) AS nr, coalesce(sum(nc), 0) AS nc${numeric} FROM ${VALUES}`;
}

/** The drift value of one column by one method: the statistic in DuckDB, the p-value (where there is one) here. */
export async function driftValue(method: DriftMethodName, context: ColumnContext): Promise<number> {
  switch (method) {
    case 'ks':
      return ksTwoSamplePValue(
        await scalar(context, `SELECT max(abs(cr / ${n(context).r} - cc / ${n(context).c})) AS x FROM ${CDF}`, cdf()),
        ...counts(context),
      );
    case 'wasserstein':
      return wassersteinNormed(context);
    case 'chisquare':
      return chiSquare(context);
    case 'z':
      return zTest(context);
    case 'jensenshannon':
      return jensenShannon(context);
    case 'psi':
      return (await filledShares(context, 'fsum((a - b) * ln(a / b))')).value;
    case 'kl_div':
      return (await filledShares(context, 'fsum(p * ln(p / q))')).value;
    case 'anderson':
      return andersonDarling(context);
    case 'cramer_von_mises':
      return cramerVonMises(context);
  }
}

const CDF = 'aq_cdf';
const n = (c: ColumnContext): { r: number; c: number } => ({ r: c.summary.referenceCount, c: c.summary.currentCount });
const counts = (c: ColumnContext): [number, number] => [c.summary.referenceCount, c.summary.currentCount];

/**
 * Both empirical CDFs at every distinct value, in order: the running counts of each
 * sample (as doubles, so `cr / nr` divides as numpy's searchsorted(...) / n does), the
 * values below, and the next distinct value.
 */
function cdf(withBelow = true): string {
  const below = withBelow
    ? `,
      CAST(sum(nr + nc) OVER w - (nr + nc) AS DOUBLE) AS below`
    : '';
  return `, ${CDF} AS (
    SELECT v, nr, nc, lead(v) OVER (ORDER BY v) AS next,
      CAST(sum(nr) OVER w AS DOUBLE) AS cr, CAST(sum(nc) OVER w AS DOUBLE) AS cc${below}
    FROM ${VALUES} WINDOW w AS (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))`;
}

async function row(context: ColumnContext, select: string, ctes = ''): Promise<Record<string, unknown>> {
  const [result] = await context.engine.query(`${context.prefix}${ctes}\n${select}`);
  return result ?? {};
}

async function scalar(context: ColumnContext, select: string, ctes = ''): Promise<number> {
  return toNumber((await row(context, select, ctes))['x']);
}

function toNumber(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  return Number.NaN;
}

/**
 * scipy's wasserstein_distance(reference, current) (the area between the two empirical CDFs)
 * over the reference's population standard deviation, floored at 0.001.
 */
async function wassersteinNormed(context: ColumnContext): Promise<number> {
  const { r, c } = n(context);
  const mean = (context.summary.referenceSum ?? 0) / r;
  // One pass over the CDFs for both figures: naming aq_values a second time made DuckDB materialize it
  // (one column of 2 × 10M distinct values under a 500MB limit: 93 s before, 30 s after, on a loaded machine).
  const result = await row(
    context,
    `SELECT fsum(abs(cr / ${r} - cc / ${c}) * (next - v)) FILTER (WHERE next IS NOT NULL) AS distance,
            sqrt(fsum(nr * ((v - ${sqlDouble(mean)}) * (v - ${sqlDouble(mean)}))) / ${r}) AS std
     FROM ${CDF}`,
    cdf(),
  );
  const std = toNumber(result['std']);
  return (toNumber(result['distance']) || 0) / Math.max(std, 0.001);
}

/**
 * scipy's chisquare(f_obs = current counts, f_exp = reference counts · n_current/n_reference)
 * over every category of either sample; a category the reference lacks makes it infinite.
 */
async function chiSquare(context: ColumnContext): Promise<number> {
  const { r, c } = n(context);
  const k = sqlDouble(c / r);
  const result = await row(
    context,
    `SELECT count(*) AS k, count(*) FILTER (WHERE nr = 0) AS unseen,
            fsum(((nc - nr * ${k}) * (nc - nr * ${k})) / (nr * ${k})) FILTER (WHERE nr > 0) AS statistic
     FROM ${VALUES}`,
  );
  const categories = toNumber(result['k']);
  const statistic = toNumber(result['unseen']) > 0 ? Number.POSITIVE_INFINITY : toNumber(result['statistic']);
  return chiSquareSf(statistic, categories - 1);
}

/** Evidently's two-proportion Z-test: the share of values other than the smallest category, in each sample. */
async function zTest(context: ColumnContext): Promise<number> {
  const rows = await context.engine.query(`${context.prefix}\nSELECT nr, nc FROM ${VALUES} ORDER BY v`);
  if (rows.length <= 1) return 1;
  const { r: n1, c: n2 } = n(context);
  const others = rows.slice(1);
  const p1 = others.reduce((sum, x) => sum + toNumber(x['nr']), 0) / n1;
  const p2 = others.reduce((sum, x) => sum + toNumber(x['nc']), 0) / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  return 2 * (1 - normalCdf(Math.abs(z)));
}

/**
 * The samples' shares per category, or, for numbers whose reference has more than 20
 * distinct values, per Sturges bin over both samples (Evidently's get_binned_data), as
 * `aq_shares(a, b)`: count / sample size, every bin included.
 */
function sharesSql(context: ColumnContext): string {
  const { r, c } = n(context);
  const { summary } = context;
  let bins = `SELECT nr, nc FROM ${VALUES}`;
  if (context.type === 'numeric' && summary.referenceDistinct > 20) {
    const edges = sturgesEdges(summary.min ?? 0, summary.max ?? 0, r + c, context.integerData);
    bins = `SELECT coalesce(s.nr, 0) AS nr, coalesce(s.nc, 0) AS nc FROM range(${edges.length - 1}) AS b(i)
      LEFT JOIN (SELECT ${binIndexSql('v', edges)} AS i, sum(nr) AS nr, sum(nc) AS nc FROM ${VALUES} GROUP BY 1) AS s ON s.i = b.i`;
  }
  return `, aq_bins AS (${bins}), aq_shares AS (SELECT CAST(nr AS DOUBLE) / ${r} AS a, CAST(nc AS DOUBLE) / ${c} AS b FROM aq_bins)`;
}

/** scipy's jensenshannon(reference shares, current shares): each normalized, then √((Σ p·ln(p/m) + Σ q·ln(q/m)) / 2). */
async function jensenShannon(context: ColumnContext): Promise<number> {
  const result = await row(
    context,
    `SELECT fsum(CASE WHEN p > 0 THEN p * ln(p / ((p + q) / 2.0)) ELSE 0 END) AS l,
            fsum(CASE WHEN q > 0 THEN q * ln(q / ((p + q) / 2.0)) ELSE 0 END) AS r
     FROM (SELECT a / sum(a) OVER () AS p, b / sum(b) OVER () AS q FROM aq_shares)`,
    sharesSql(context),
  );
  return Math.sqrt((toNumber(result['l']) + toNumber(result['r'])) / 2);
}

/**
 * PSI and KL divergence read the shares with empty bins filled (Evidently's feel_zeroes):
 * a zero becomes the sample's smallest share / 10^6 when that is at most 0.0001, else 0.0001.
 * `a`, `b` are the filled shares, `p`, `q` the same normalized to sum 1 (scipy's entropy).
 */
async function filledShares(context: ColumnContext, aggregate: string): Promise<{ value: number }> {
  const small = sqlDouble(0.0001);
  const million = sqlDouble(1e6);
  const fill = (x: string, least: string): string =>
    `CASE WHEN ${x} = 0 THEN (CASE WHEN ${least} <= ${small} THEN ${least} / ${million} ELSE ${small} END) ELSE ${x} END`;
  const result = await row(
    context,
    `SELECT ${aggregate} AS x FROM (SELECT a, b, a / sum(a) OVER () AS p, b / sum(b) OVER () AS q FROM aq_filled)`,
    `${sharesSql(context)},
    aq_least AS (SELECT min(a) FILTER (WHERE a <> 0) AS la, min(b) FILTER (WHERE b <> 0) AS lb FROM aq_shares),
    aq_filled AS (SELECT ${fill('a', 'la')} AS a, ${fill('b', 'lb')} AS b FROM aq_shares, aq_least)`,
  );
  return { value: toNumber(result['x']) };
}

/**
 * scipy's anderson_ksamp([reference, current]) with midranks (A2akN of Scholz and
 * Stephens, eq. 7): per distinct value its count l, the midrank position B below it, and
 * each sample's midrank count M; the p-value from Scholz and Stephens' table.
 */
async function andersonDarling(context: ColumnContext): Promise<number> {
  const { r, c } = n(context);
  const N = r + c;
  if (context.summary.distinct < 2) throw new RangeError('anderson_ksamp needs more than one distinct value');
  const inner = (m: string, size: number): string =>
    `fsum((l / ${N}) * ((${N} * ${m} - b * ${size}) * (${N} * ${m} - b * ${size})) / (b * (${N} - b) - CAST(${N} * l AS DOUBLE) / 4))`;
  const result = await row(
    context,
    `SELECT ${inner('m1', r)} AS s1, ${inner('m2', c)} AS s2
     FROM (SELECT nr + nc AS l, below + CAST(nr + nc AS DOUBLE) / 2 AS b, cr - CAST(nr AS DOUBLE) / 2 AS m1, cc - CAST(nc AS DOUBLE) / 2 AS m2 FROM ${CDF})`,
    cdf(),
  );
  let a2akn = 0;
  a2akn += toNumber(result['s1']) / r;
  a2akn += toNumber(result['s2']) / c;
  a2akn *= (N - 1) / N;
  return andersonDarlingPValue(a2akn, [r, c]);
}

/**
 * Evidently's Cramér–von Mises: U = nx·Σ(rx_i - i)² + ny·Σ(ry_j - j)² over average ranks in
 * the merged samples. A value held r times by a sample at ranks a (its average) takes the
 * sample's positions b+1 … b+r, so its part of the sum is r·d² - d·r(r+1) + r(r+1)(2r+1)/6
 * with d = a - b: exact in doubles, as numpy's elementwise sum is, for these sizes.
 */
async function cramerVonMises(context: ColumnContext): Promise<number> {
  const [nx, ny] = counts(context);
  if (!cramerVonMisesApplies(nx, ny)) throw new RangeError('cramer_von_mises is served when a sample has more than 20 values');
  const part = (count: string, before: string): string => {
    const d = `(below + CAST(nr + nc + 1 AS DOUBLE) / 2 - ${before})`;
    const k = `CAST(${count} AS DOUBLE)`;
    return `fsum(${k} * ${d} * ${d} - ${d} * ${k} * (${k} + 1) + CAST((${count} * (${count} + 1) * (2 * ${count} + 1)) // 6 AS DOUBLE))`;
  };
  const result = await row(context, `SELECT ${part('nr', '(cr - nr)')} AS sx, ${part('nc', '(cc - nc)')} AS sy FROM ${CDF}`, cdf());
  let u = nx * toNumber(result['sx']);
  u += ny * toNumber(result['sy']);
  return cramerVonMisesPValue(u, nx, ny);
}
