import { compareCodePoints, type Engine } from '../../engine/index.js';
import { describeType, type DeltaTable, type StructField } from '../../table/index.js';
import { jsonValue, type JsonValue } from '../validate/results.js';
import { sortedValuesAt } from '../validate/validate-rows.js';
import { columnKind, isFloating, isInteger, presentValue, type ColumnKind } from './column-kind.js';
import { binning, histogramCounts, nearestPosition, type Binning } from './profile-sql.js';

/** The quantiles every numeric column is profiled at. */
export const PROFILE_QUANTILES: readonly number[] = [0.05, 0.25, 0.5, 0.75, 0.95];
/** Top values kept per column. */
export const TOP_VALUES = 10;
/** A column with at most this many distinct values has them all listed (and a suggested suite checks them as a set). */
export const LOW_CARDINALITY = 20;
/** Histogram bins between a column's min and max (fewer for small integer ranges: one per value). */
export const HISTOGRAM_BINS = 10;
/** How quantiles are taken: GE's default for expect_column_quantile_values_to_be_between on pandas (docs/ge-semantics.md §4a). */
export const QUANTILE_METHOD = 'nearest';

export interface HistogramBin {
  /** Inclusive lower edge. */
  lower: number;
  /** Upper edge: exclusive, except for the last bin. */
  upper: number;
  count: number;
}

export interface Histogram {
  /** Of the values themselves (numbers), or of string lengths in code points. */
  of: 'values' | 'lengths';
  bins: HistogramBin[];
}

export interface ValueCount {
  value: JsonValue;
  count: number;
}

/**
 * What one column holds. Every key is always present (null where it does not apply), in
 * this order, so profiles compare and diff as JSON. Missing values are GE's: NULL, and NaN
 * in float columns; every other figure is over the values that are not missing.
 */
export interface ColumnProfile {
  name: string;
  /** The Delta type, as `aquifer table describe` writes it. */
  type: string;
  kind: ColumnKind;
  row_count: number;
  null_count: number;
  /** null_count / row_count (0..1); null for an empty table. */
  null_share: number | null;
  distinct_count: number | null;
  min: JsonValue;
  max: JsonValue;
  mean: JsonValue;
  /** Sample standard deviation (ddof = 1), as pandas and GE. */
  stdev: JsonValue;
  quantiles: { quantiles: number[]; values: JsonValue[] } | null;
  histogram: Histogram | null;
  /** The most common values, most common first, ties by value. */
  top_values: ValueCount[];
  /** Every distinct value, sorted, when there are at most LOW_CARDINALITY of them. */
  distinct_values: JsonValue[] | null;
  min_length: number | null;
  max_length: number | null;
}

export interface TableProfile {
  /** The table's location, when a table was profiled. */
  table: string | null;
  version: number | null;
  row_count: number;
  column_count: number;
  quantile_method: string;
  columns: ColumnProfile[];
}

/** Rows to profile: any DuckDB query with its fields. */
export interface ProfileSource {
  sql: string;
  fields: readonly StructField[];
}

export interface ProfileRowsOptions {
  /** Told the fraction done (0..1). */
  onProgress?: (fraction: number) => void;
  table?: string;
  version?: number;
}

export interface ProfileOptions {
  /** The table version to profile; the latest by default. */
  version?: number;
  onProgress?: (fraction: number) => void;
}

/** Profile one version of a Delta table, in DuckDB. */
export async function profile(table: DeltaTable, options: ProfileOptions = {}): Promise<TableProfile> {
  const snapshot = await table.snapshot(options.version === undefined ? {} : { version: options.version });
  const plan = await (await table.scan({ version: snapshot.version })).plan();
  return profileRows(
    table.engine,
    { sql: plan.sql, fields: plan.fields },
    { table: table.store.url, version: snapshot.version, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) },
  );
}

const ROWS = 'aq_rows';
const key = (i: number, name: string): string => `c${i}_${name}`;

interface Column {
  index: number;
  field: StructField;
  kind: ColumnKind;
  value: string;
}

/**
 * Profile rows in DuckDB: one aggregate pass for counts, extremes, moments and lengths;
 * one for quantiles and histograms (they need the counts and extremes); one for the top
 * values of every column. No row passes through JavaScript, only the figures.
 */
export async function profileRows(engine: Engine, source: ProfileSource, options: ProfileRowsOptions = {}): Promise<TableProfile> {
  const columns: Column[] = source.fields.map((field, index) => ({ index, field, kind: columnKind(field.type), value: presentValue(field) }));
  const run = async (sql: string, from: number, to: number): Promise<Record<string, unknown>> => {
    const progress = options.onProgress;
    const [row] = await engine.query(
      `WITH ${ROWS} AS NOT MATERIALIZED (${source.sql}) ${sql}`,
      progress === undefined ? {} : { onProgress: (f) => progress(from + f * (to - from)) },
    );
    return row ?? {};
  };

  const first = await run(`SELECT ${['count(*) AS n', ...columns.flatMap(statistics)].join(', ')} FROM ${ROWS}`, 0, 0.5);
  const rows = Number(first['n'] ?? 0);
  const present = (c: Column): number => Number(first[key(c.index, 'present')] ?? 0);
  const number = (c: Column, name: string): number | null => {
    const v = first[key(c.index, name)];
    const n = typeof v === 'bigint' ? Number(v) : v;
    return typeof n === 'number' && Number.isFinite(n) ? n : null;
  };

  // Quantiles at GE's indices (they depend on the count) and histograms (they depend on the extremes).
  const second: string[] = [];
  // The quantiles' sorts, one per numeric column, cross-joined to the pass: they spill where quantile_disc would hold the column in memory.
  const sorts: string[] = [];
  const quantilePositions = new Map<number, number[]>();
  const bins = new Map<number, Binning>();
  for (const c of columns) {
    const n = present(c);
    if (n === 0) continue;
    if (c.kind === 'numeric') {
      const positions = PROFILE_QUANTILES.map((q) => nearestPosition(n, q));
      quantilePositions.set(c.index, positions);
      sorts.push(`(${sortedValuesAt(c.value, [...new Set(positions)], key(c.index, 'q'), ROWS)})`);
      const [lo, hi] = isFloating(c.field.type) ? [number(c, 'flo'), number(c, 'fhi')] : [number(c, 'min'), number(c, 'max')];
      if (lo !== null && hi !== null) {
        const b = binning(lo, hi, isInteger(c.field.type), HISTOGRAM_BINS);
        bins.set(c.index, b);
        // A FILTER does not keep an infinity from the bin arithmetic, which cannot cast it.
        const finite = isFloating(c.field.type) ? `CASE WHEN isfinite(${c.value}) THEN ${c.value} END` : c.value;
        second.push(`histogram(${b.bin(finite)}) FILTER (WHERE ${finite} IS NOT NULL) AS ${key(c.index, 'h')}`);
      }
    } else if (c.kind === 'string') {
      const lo = number(c, 'minlen');
      const hi = number(c, 'maxlen');
      if (lo !== null && hi !== null) {
        const b = binning(lo, hi, true, HISTOGRAM_BINS);
        bins.set(c.index, b);
        second.push(`histogram(${b.bin(`length(${c.value})`)}) FILTER (WHERE ${c.value} IS NOT NULL) AS ${key(c.index, 'h')}`);
      }
    }
  }
  const secondRow =
    second.length === 0 && sorts.length === 0
      ? {}
      : await run(`SELECT * FROM (SELECT ${['count(*) AS aq_n', ...second].join(', ')} FROM ${ROWS})${sorts.map((sql) => `, ${sql}`).join('')}`, 0.5, 0.8);

  const topQueries = columns
    .filter((c) => c.kind !== 'other' && present(c) > 0)
    .map((c) => {
      const limit = Math.max(TOP_VALUES, LOW_CARDINALITY) + 1;
      // Every value of a unique column occurs once, so its top values are its smallest: a top-N over the
      // values, where grouping would hash every one of them. Otherwise a top-N over the groups, where a
      // window over every group would hold them all in memory.
      const counted =
        Number(first[key(c.index, 'distinct')] ?? 0) === present(c)
          ? `SELECT ${c.value} AS aq_v, 1 AS aq_n FROM ${ROWS} WHERE ${c.value} IS NOT NULL ORDER BY aq_v LIMIT ${limit}`
          : `SELECT ${c.value} AS aq_v, count(*) AS aq_n FROM ${ROWS} WHERE ${c.value} IS NOT NULL GROUP BY ${c.value} ORDER BY aq_n DESC, aq_v LIMIT ${limit}`;
      return `SELECT ${c.index} AS aq_col, to_json(aq_v)::VARCHAR AS aq_value, aq_n, row_number() OVER (ORDER BY aq_n DESC, aq_v) AS aq_rank FROM (${counted})`;
    });
  const top = new Map<number, ValueCount[]>();
  if (topQueries.length > 0) {
    const found = await engine.query(
      `WITH ${ROWS} AS NOT MATERIALIZED (${source.sql}) SELECT * FROM (${topQueries.join(' UNION ALL ')}) ORDER BY aq_col, aq_rank`,
      options.onProgress === undefined ? {} : { onProgress: (f) => options.onProgress?.(0.8 + f * 0.2) },
    );
    for (const row of found) {
      const list = top.get(Number(row['aq_col'])) ?? [];
      list.push({ value: parseJson(String(row['aq_value'])), count: Number(row['aq_n']) });
      top.set(Number(row['aq_col']), list);
    }
  }

  const profiles = columns.map((c): ColumnProfile => {
    const n = present(c);
    const get = (name: string): JsonValue => jsonValue(first[key(c.index, name)]);
    const counts = top.get(c.index) ?? [];
    const distinct = c.kind === 'other' ? null : Number(first[key(c.index, 'distinct')] ?? 0);
    const binned = bins.get(c.index);
    const sorted = secondRow[key(c.index, 'q')];
    const positions = quantilePositions.get(c.index) ?? [];
    const distinctPositions = [...new Set(positions)];
    const quantiles = Array.isArray(sorted) ? positions.map((p) => sorted[distinctPositions.indexOf(p)]) : undefined;
    return {
      name: c.field.name,
      type: describeType(c.field.type),
      kind: c.kind,
      row_count: rows,
      null_count: rows - n,
      null_share: rows === 0 ? null : (rows - n) / rows,
      distinct_count: distinct,
      min: c.kind === 'numeric' || c.kind === 'string' || c.kind === 'temporal' ? get('min') : null,
      max: c.kind === 'numeric' || c.kind === 'string' || c.kind === 'temporal' ? get('max') : null,
      mean: c.kind === 'numeric' ? get('mean') : null,
      stdev: c.kind === 'numeric' ? get('stdev') : null,
      quantiles: Array.isArray(quantiles) ? { quantiles: [...PROFILE_QUANTILES], values: quantiles.map(jsonValue) } : null,
      histogram: binned === undefined ? null : { of: c.kind === 'string' ? 'lengths' : 'values', bins: histogramCounts(binned, secondRow[key(c.index, 'h')]) },
      top_values: counts.slice(0, TOP_VALUES),
      distinct_values: distinct !== null && distinct <= LOW_CARDINALITY && counts.length === distinct ? sortValues(counts.map((v) => v.value)) : null,
      min_length: c.kind === 'string' ? number(c, 'minlen') : null,
      max_length: c.kind === 'string' ? number(c, 'maxlen') : null,
    };
  });
  return {
    table: options.table ?? null,
    version: options.version ?? null,
    row_count: rows,
    column_count: columns.length,
    quantile_method: QUANTILE_METHOD,
    columns: profiles,
  };
}

/** The first pass's aggregates for one column. */
function statistics(c: Column): string[] {
  const v = c.value;
  const as = (sql: string, name: string): string => `${sql} AS ${key(c.index, name)}`;
  const out = [as(`count(${v})`, 'present')];
  if (c.kind === 'other') return out;
  out.push(as(`count(DISTINCT ${v})`, 'distinct'));
  if (c.kind === 'numeric') {
    out.push(as(`min(${v})`, 'min'), as(`max(${v})`, 'max'));
    if (isFloating(c.field.type)) {
      // Infinities are values to pandas: its mean is ±inf (NaN with both), its std NaN; DuckDB
      // refuses them in stddev_samp. Bins need finite edges.
      const pos = `bool_or(${v} = 'inf'::DOUBLE)`;
      const neg = `bool_or(${v} = '-inf'::DOUBLE)`;
      out.push(
        as(
          `CASE WHEN ${pos} AND ${neg} THEN 'NaN'::DOUBLE WHEN ${pos} THEN 'inf'::DOUBLE WHEN ${neg} THEN '-inf'::DOUBLE ELSE avg(${v}) FILTER (WHERE isfinite(${v})) END`,
          'mean',
        ),
        as(`CASE WHEN ${pos} OR ${neg} THEN 'NaN'::DOUBLE ELSE stddev_samp(${v}) FILTER (WHERE isfinite(${v})) END`, 'stdev'),
        as(`min(${v}) FILTER (WHERE isfinite(${v}))`, 'flo'),
        as(`max(${v}) FILTER (WHERE isfinite(${v}))`, 'fhi'),
      );
    } else out.push(as(`avg(${v})`, 'mean'), as(`stddev_samp(${v})`, 'stdev'));
  } else if (c.kind === 'string') {
    out.push(as(`min(${v})`, 'min'), as(`max(${v})`, 'max'), as(`min(length(${v}))`, 'minlen'), as(`max(length(${v}))`, 'maxlen'));
  } else if (c.kind === 'temporal') {
    // As text: the same form the top values take (to_json), whatever the session's time zone.
    out.push(as(`min(${v})::VARCHAR`, 'min'), as(`max(${v})::VARCHAR`, 'max'));
  }
  return out;
}

/** Numbers by value, strings by code point (as Python sorts them), booleans false first. */
function sortValues(values: JsonValue[]): JsonValue[] {
  return [...values].sort((a, b) => {
    if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
    if (typeof a !== 'string' && typeof b !== 'string') return Number(a) - Number(b);
    return typeof a === 'string' ? compareStringToNumber(a, Number(b)) : -compareStringToNumber(b as string, Number(a));
  });
}

/**
 * A string among numbers (a float column's 'Infinity', which JSON cannot hold as a number):
 * the number stands as one code point, as it always has in this order.
 */
function compareStringToNumber(text: string, n: number): number {
  const first = text.codePointAt(0);
  if (first === undefined) return -1;
  return first !== n ? first - n : [...text].length - 1;
}

/** A value DuckDB wrote as JSON; non-finite floats (not JSON) as GE writes them. */
function parseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return /^-?inf/i.test(text) ? (text.startsWith('-') ? '-Infinity' : 'Infinity') : text;
  }
}
