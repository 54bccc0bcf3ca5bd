import type { MapExpectation } from '../expectations/definition.js';
import { atLeast, MAX_UNEXPECTED_VALUES, type ResultFormat } from './result-format.js';
import { pythonLess, pythonSort } from './python-sort.js';
import { jsonValue, type JsonValue } from './results.js';

/** What the single pass counted for one per-row expectation. */
export interface MapCounts {
  /** Every row. */
  rows: number;
  /** Rows that took part (not missing). */
  considered: number;
  unexpected: number;
}

/** The first failing rows (in row order), as the detail query returned them. */
export interface FailingRow {
  /** Values of the expectation's columns, in order. */
  values: unknown[];
  /** Values of the id columns, in order. */
  ids: unknown[];
  /** 0-based position of the row in the data. */
  position: number;
}

/** GE's `mostly`: the share of rows that took part and passed must reach it; no rows is a pass. */
export function mapSuccess(counts: MapCounts, mostly: number, overAllRows: boolean): boolean {
  const base = overAllRows ? counts.rows : counts.considered;
  if (base === 0 || counts.unexpected === 0) return true;
  return (base - counts.unexpected) / base >= mostly;
}

/**
 * GE's map result (`_format_map_output`) from the counts and the failing rows: the keys each
 * result_format level carries, the percentages over GE's denominators, and failing values as
 * GE words them (a value, an [a, b] pair, a {column: value} record).
 */
export function mapResult(
  definition: MapExpectation<unknown>,
  columns: readonly string[],
  counts: MapCounts,
  failing: readonly FailingRow[],
  allPositions: readonly FailingRow[] | undefined,
  format: ResultFormat,
  /** Whether a missing value of the (single) column is NaN in pandas (numeric columns), where no two are equal. */
  nullsAreNaN = false,
): Record<string, JsonValue> {
  if (format.level === 'BOOLEAN_ONLY') return {};
  const idNames = format.unexpectedIndexColumnNames ?? [];
  // GE shows a missing value as null, NaN included.
  const shown = (v: unknown): JsonValue => (typeof v === 'number' && Number.isNaN(v) ? null : jsonValue(v));
  const value = (row: FailingRow): JsonValue => {
    const values = row.values.map(shown);
    if (definition.family === 'column_map') return values[0] ?? null;
    if (definition.family === 'column_pair_map') return values;
    return Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null]));
  };
  const index = (row: FailingRow): JsonValue => {
    if (idNames.length === 0) return row.position;
    const entry: Record<string, JsonValue> = {};
    columns.forEach((c, i) => (entry[c] = shown(row.values[i])));
    idNames.forEach((c, i) => (entry[c] = shown(row.ids[i])));
    return entry;
  };
  const { rows, considered, unexpected } = counts;
  const percent = (part: number, whole: number): JsonValue => (whole === 0 ? null : (part / whole) * 100);
  const partial = failing.slice(0, format.partialUnexpectedCount);
  const result: Record<string, JsonValue> = { element_count: rows, unexpected_count: unexpected };
  if (definition.overAllRows === true) {
    result['unexpected_percent'] = percent(unexpected, rows);
    result['partial_unexpected_list'] = partial.map(value);
  } else {
    result['unexpected_percent'] = percent(unexpected, considered);
    result['partial_unexpected_list'] = partial.map(value);
    result['missing_count'] = rows - considered;
    result['missing_percent'] = percent(rows - considered, rows);
    result['unexpected_percent_total'] = percent(unexpected, rows);
    result['unexpected_percent_nonmissing'] = percent(unexpected, considered);
  }
  if (idNames.length > 0 && definition.omitsIndexColumnNames !== true) result['unexpected_index_column_names'] = idNames;
  if (!atLeast(format, 'SUMMARY')) return result;
  // GE counts the values it fetched (the partial list, or up to 200 with COMPLETE), keeps
  // the 20 most common (ties by first appearance), then orders them by count and value.
  // A multicolumn record is counted as the tuple of its values, as GE flattens its dicts.
  const counted = (atLeast(format, 'COMPLETE') ? failing.slice(0, MAX_UNEXPECTED_VALUES) : partial).map((row) =>
    definition.family === 'multicolumn_map' ? row.values.map(shown) : value(row),
  );
  result['partial_unexpected_counts'] = mostCommon(counted, 20, nullsAreNaN);
  result['partial_unexpected_index_list'] = partial.map(index);
  if (!atLeast(format, 'COMPLETE')) return result;
  const all = allPositions ?? failing;
  result['unexpected_list'] = failing.slice(0, MAX_UNEXPECTED_VALUES).map(value);
  result['unexpected_index_list'] = all.map(index);
  if (format.returnUnexpectedIndexQuery) result['unexpected_index_query'] = `df.filter(items=[${all.map((r) => r.position).join(', ')}], axis=0)`;
  return result;
}

function mostCommon(values: readonly JsonValue[], limit: number, nullsAreNaN: boolean): JsonValue[] {
  const counts = new Map<string, { value: JsonValue; count: number; first: number }>();
  values.forEach((value, i) => {
    // NaN never equals itself in pandas: in a numeric column each missing value is its own entry.
    const key = value === null && nullsAreNaN ? `NaN#${i}` : JSON.stringify(value);
    const entry = counts.get(key) ?? { value, count: 0, first: i };
    entry.count++;
    counts.set(key, entry);
  });
  const top = [...counts.values()].sort((a, b) => b.count - a.count || a.first - b.first).slice(0, limit);
  // GE sorts by (-count, value) with Python's sort, whose order NaN makes depend on its steps.
  const sorted = pythonSort(top, (a, b) => (a.count !== b.count ? a.count > b.count : pythonLess(a.value, b.value)));
  return sorted.map(({ value, count }) => ({ value, count }));
}
