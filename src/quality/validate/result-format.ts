import { SuiteInvalidError } from '../errors.js';

export type ResultFormatLevel = 'BOOLEAN_ONLY' | 'BASIC' | 'SUMMARY' | 'COMPLETE';
export const RESULT_FORMAT_LEVELS: readonly ResultFormatLevel[] = ['BOOLEAN_ONLY', 'BASIC', 'SUMMARY', 'COMPLETE'];

/** How much each result carries, as GE's `result_format` says it. */
export interface ResultFormat {
  level: ResultFormatLevel;
  /** Failing values in `partial_unexpected_list` and friends (GE: 20). */
  partialUnexpectedCount: number;
  /** Columns that identify a failing row in `unexpected_index_list` (GE: `unexpected_index_column_names`). */
  unexpectedIndexColumnNames?: string[];
  /** Whether COMPLETE results carry `unexpected_index_query` (GE: true). */
  returnUnexpectedIndexQuery: boolean;
}

/** GE caps `unexpected_list` at this many values (MAX_RESULT_RECORDS); the index list is not capped. */
export const MAX_UNEXPECTED_VALUES = 200;
export const DEFAULT_PARTIAL_UNEXPECTED_COUNT = 20;
const MAX_PARTIAL = 1_000;

/** Read a `result_format` as GE takes it: a level name, or a dict with `result_format` and options. */
export function parseResultFormat(
  value: unknown,
  fallback: ResultFormat = { level: 'SUMMARY', partialUnexpectedCount: DEFAULT_PARTIAL_UNEXPECTED_COUNT, returnUnexpectedIndexQuery: true },
): ResultFormat {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') {
    const { unexpectedIndexColumnNames: _ignored, ...rest } = fallback;
    return { ...rest, level: level(value) };
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(value);
  const dict = value as Record<string, unknown>;
  const format: ResultFormat = {
    level: dict['result_format'] === undefined ? fallback.level : level(dict['result_format']),
    partialUnexpectedCount: fallback.partialUnexpectedCount,
    returnUnexpectedIndexQuery: fallback.returnUnexpectedIndexQuery,
  };
  const partial = dict['partial_unexpected_count'];
  if (partial !== undefined) {
    if (typeof partial !== 'number' || !Number.isInteger(partial) || partial < 0 || partial > MAX_PARTIAL)
      throw invalid(value, `partial_unexpected_count must be an integer from 0 to ${MAX_PARTIAL}`);
    format.partialUnexpectedCount = partial;
  }
  const names = dict['unexpected_index_column_names'];
  if (names !== undefined) {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string') || names.length > 32)
      throw invalid(value, 'unexpected_index_column_names must be a list of column names');
    format.unexpectedIndexColumnNames = names as string[];
  } else if (fallback.unexpectedIndexColumnNames !== undefined) format.unexpectedIndexColumnNames = fallback.unexpectedIndexColumnNames;
  const query = dict['return_unexpected_index_query'];
  if (query !== undefined) {
    if (typeof query !== 'boolean') throw invalid(value, 'return_unexpected_index_query must be true or false');
    format.returnUnexpectedIndexQuery = query;
  }
  return format;
}

function level(value: unknown): ResultFormatLevel {
  const upper = typeof value === 'string' ? value.toUpperCase() : value;
  if (typeof upper === 'string' && (RESULT_FORMAT_LEVELS as readonly string[]).includes(upper)) return upper as ResultFormatLevel;
  throw invalid(value);
}

function invalid(value: unknown, detail = `result_format must be one of ${RESULT_FORMAT_LEVELS.join(', ')}, or a dict with result_format`): SuiteInvalidError {
  return new SuiteInvalidError(
    `The result_format ${JSON.stringify(value)} is not valid: ${detail}`,
    value,
    'Write "SUMMARY", or {"result_format": "COMPLETE", "unexpected_index_column_names": ["id"]}.',
  );
}

export const atLeast = (format: ResultFormat, wanted: ResultFormatLevel): boolean =>
  RESULT_FORMAT_LEVELS.indexOf(format.level) >= RESULT_FORMAT_LEVELS.indexOf(wanted);
