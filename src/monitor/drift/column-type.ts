import type { ColumnType } from './methods.js';

/**
 * How a DuckDB column reaches Evidently: as the pandas dtype `pd.read_parquet` gives it
 * (pyarrow's conversion). Integers and unsigned integers with a NULL become float64, a
 * boolean with a NULL becomes object; decimals, dates and times are objects; timestamps
 * datetimes.
 */
export type StorageFamily = 'float' | 'int' | 'uint' | 'bool' | 'string' | 'other';

export function storageFamily(duckdbType: string): StorageFamily {
  const type = duckdbType.toUpperCase();
  if (type === 'DOUBLE' || type === 'FLOAT' || type === 'REAL') return 'float';
  if (['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT'].includes(type)) return 'int';
  if (['UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'].includes(type)) return 'uint';
  if (type === 'BOOLEAN') return 'bool';
  if (type === 'VARCHAR' || type.startsWith('ENUM(')) return 'string';
  return 'other';
}

/** What Evidently's `infer_column_type` sees of the current data's column. */
export interface CurrentColumnFacts {
  rows: number;
  nonNull: number;
  /** Distinct non-NULL values (needed for integers and strings). */
  distinct: number;
}

/** Evidently's INTEGER_CARDINALITY_LIMIT: integers with at most this many distinct values are categorical. */
export const INTEGER_CARDINALITY_LIMIT = 10;

export type ColumnTyping = { type: ColumnType } | { skipped: string };

/**
 * The type DataDriftPreset gives a column, decided on the current data as Evidently's
 * `infer_column_type` decides it on the frame pandas reads: floats numeric; integers
 * categorical up to 10 distinct values, else numeric (numeric too when they hold a NULL,
 * being float64 then); strings text when more than half their values are distinct, else
 * categorical; booleans categorical. What Evidently leaves out of the preset (unsigned
 * integers, booleans with NULLs, text, decimals, dates, timestamps, all-NULL strings) is
 * skipped with the reason.
 */
export function evidentlyColumnType(duckdbType: string, facts: CurrentColumnFacts): ColumnTyping {
  const family = storageFamily(duckdbType);
  const hasNull = facts.nonNull < facts.rows;
  switch (family) {
    case 'float':
      return { type: 'numeric' };
    case 'int':
      if (hasNull) return { type: 'numeric' };
      return { type: facts.distinct <= INTEGER_CARDINALITY_LIMIT ? 'categorical' : 'numeric' };
    case 'uint':
      return hasNull
        ? { type: 'numeric' }
        : { skipped: `unsigned integers (${duckdbType}) are a pandas dtype Evidently does not type, so DataDriftPreset leaves them out` };
    case 'bool':
      return hasNull
        ? { skipped: 'booleans with NULLs are objects in pandas, which Evidently does not type, so DataDriftPreset leaves them out' }
        : { type: 'categorical' };
    case 'string':
      if (facts.nonNull === 0) return { skipped: 'the current data has no values in it (all NULL), so Evidently does not type it' };
      if (facts.distinct > facts.nonNull * 0.5)
        return {
          skipped: `text: ${facts.distinct} distinct of ${facts.nonNull} values (more than half), for which Evidently trains a classifier; not computed here`,
        };
      return { type: 'categorical' };
    case 'other':
      return { skipped: `${duckdbType} columns are not numeric or categorical to Evidently, so DataDriftPreset leaves them out` };
  }
}
