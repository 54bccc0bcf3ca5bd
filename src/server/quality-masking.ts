import type { ValueMasker } from '../governance/index.js';
import type { DataType } from '../table/index.js';

/** The result keys of a GE expectation result that hold the column's values (or rows of values). */
const VALUE_LISTS = ['partial_unexpected_list', 'unexpected_list'] as const;
const INDEX_LISTS = ['partial_unexpected_index_list', 'unexpected_index_list'] as const;

/**
 * A GE validation result as a caller without the `pii` scope may see it: the failing values,
 * their counts, the id-column values naming failing rows and the observed value of every
 * expectation over a tagged column are masked by the column's tags; `details` (value counts
 * and the like) is left out of such an expectation's result, since it can hold anything.
 * An object observed value (the quantile expectation's `{quantiles, values}`) is masked whole,
 * every value in it, since its keys are not columns. Rows a custom SQL expectation returns
 * (`details.unexpected_rows`; it names no column) are masked key by key; `columnTags` answers
 * a name that is no column of the table (an alias in the query) with every tag the table has.
 */
export function maskValidationResult<T extends { results: unknown[] }>(
  result: T,
  columnTags: (column: string) => readonly string[],
  mask: ValueMasker,
  // A column's type, so a value is masked as the same value in a scan is (a double is never hashed).
  columnType: (column: string) => DataType | undefined = () => undefined,
): T {
  const results = result.results.map((entry) => {
    const r = entry as { expectation_config?: { kwargs?: Record<string, unknown> }; result?: Record<string, unknown> };
    if (r.result === undefined) return entry;
    const kwargs = r.expectation_config?.kwargs ?? {};
    const columns = [kwargs['column'], kwargs['column_A'], kwargs['column_B'], ...(Array.isArray(kwargs['column_list']) ? kwargs['column_list'] : [])].filter(
      (c): c is string => typeof c === 'string',
    );
    const tags = [...new Set(columns.flatMap(columnTags))];
    const type = columns.length === 1 ? columnType(columns[0] as string) : undefined;
    const scalar = (v: unknown) => (tags.length === 0 ? v : mask(v, tags, type));
    const byColumn = (k: string, x: unknown) => mask(x, columnTags(k), columnType(k));
    // A record of several columns' values ({column: value}) is masked column by column.
    const value = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(value)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, byColumn(k, x)]))
          : scalar(v);
    const out: Record<string, unknown> = { ...r.result };
    for (const key of VALUE_LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(value);
    if (Array.isArray(out['partial_unexpected_counts']))
      out['partial_unexpected_counts'] = (out['partial_unexpected_counts'] as { value?: unknown }[]).map((c) => ({ ...c, value: value(c.value) }));
    for (const key of INDEX_LISTS)
      if (Array.isArray(out[key]))
        out[key] = (out[key] as unknown[]).map((i) =>
          typeof i === 'object' && i !== null && !Array.isArray(i) ? Object.fromEntries(Object.entries(i).map(([k, x]) => [k, byColumn(k, x)])) : i,
        );
    // Every value inside, whatever the shape: the expectation's column is tagged.
    const whole = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(whole) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, whole(x)])) : scalar(v);
    if (tags.length > 0) {
      if ('observed_value' in out) out['observed_value'] = whole(out['observed_value']);
      delete out['details'];
    } else if (typeof out['details'] === 'object' && out['details'] !== null) {
      const details = { ...(out['details'] as Record<string, unknown>) };
      if (Array.isArray(details['unexpected_rows']))
        details['unexpected_rows'] = details['unexpected_rows'].map((row: unknown) =>
          typeof row === 'object' && row !== null && !Array.isArray(row) ? Object.fromEntries(Object.entries(row).map(([k, x]) => [k, byColumn(k, x)])) : row,
        );
      out['details'] = details;
    }
    return { ...r, result: out };
  });
  return { ...result, results };
}
