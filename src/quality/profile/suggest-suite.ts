import type { ExpectationConfig, ExpectationSuite } from '../suite/suite.js';
import { LOW_CARDINALITY, type ColumnProfile, type TableProfile } from './profile.js';

export interface SuggestOptions {
  /** The suite's name. */
  name: string;
  /** How far the row count may move either way, as a share of the profiled count. Default 0.1. */
  rowCountMargin?: number;
}

/**
 * A first suite drafted from a profile, in GE 1.x's types and kwargs, that the profiled data
 * passes: the column list, the row count within a margin, and per column what held on every
 * row (no nulls, the value range, the set of few values, uniqueness, string lengths). It is a
 * draft to edit: it pins what the data was, not what it must be.
 */
export function suggestSuite(profile: TableProfile, options: SuggestOptions): ExpectationSuite {
  const margin = options.rowCountMargin ?? 0.1;
  const rows = profile.row_count;
  const expectations: ExpectationConfig[] = [
    { type: 'expect_table_columns_to_match_ordered_list', kwargs: { column_list: profile.columns.map((c) => c.name) } },
    {
      type: 'expect_table_row_count_to_be_between',
      kwargs: { min_value: Math.max(0, Math.floor(rows * (1 - margin))), max_value: Math.ceil(rows * (1 + margin)) },
    },
    ...profile.columns.flatMap(columnExpectations),
  ];
  const meta: Record<string, unknown> = { profiled: { table: profile.table, version: profile.version, row_count: rows } };
  return { name: options.name, expectations, meta };
}

function columnExpectations(c: ColumnProfile): ExpectationConfig[] {
  const column = c.name;
  const present = c.row_count - c.null_count;
  const out: ExpectationConfig[] = [];
  if (c.row_count > 0 && c.null_count === 0) out.push({ type: 'expect_column_values_to_not_be_null', kwargs: { column } });
  if (present === 0) return out;
  // Bounds only where the extremes are plain numbers: decimals are compared exactly by GE (a
  // Decimal against a float bound), and bigints past 2^53 are carried as text.
  if (c.kind === 'numeric' && !c.type.startsWith('decimal') && isFiniteNumber(c.min) && isFiniteNumber(c.max)) {
    out.push({ type: 'expect_column_values_to_be_between', kwargs: { column, min_value: c.min, max_value: c.max } });
  }
  if (c.kind === 'string') {
    if (c.distinct_values !== null && c.distinct_values.length <= LOW_CARDINALITY)
      out.push({ type: 'expect_column_values_to_be_in_set', kwargs: { column, value_set: c.distinct_values } });
    if (c.min_length !== null && c.max_length !== null)
      out.push({ type: 'expect_column_value_lengths_to_be_between', kwargs: { column, min_value: c.min_length, max_value: c.max_length } });
  }
  // Keys are integers or strings; distinct floats are measurements, unique by chance.
  const identifierLike = c.kind === 'string' || (c.kind === 'numeric' && ['byte', 'short', 'integer', 'long'].includes(c.type));
  if (identifierLike && present > 1 && c.distinct_count === present) out.push({ type: 'expect_column_values_to_be_unique', kwargs: { column } });
  return out;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
