import type { Engine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import type { AddFile } from '../actions/index.js';
import { readDeletionVector } from '../deletion-vectors/index.js';
import { engineLocation, resolveLogPath } from '../paths/index.js';
import { ROW_FILE_COLUMN, ROW_INDEX_COLUMN, Scan } from '../scan/index.js';
import { statsNumRecords, type Snapshot } from '../snapshot/index.js';

/** One data file some of whose rows a change touches. */
export interface TouchedFile {
  file: AddFile;
  /** How many of the file's rows are touched. */
  count: number;
  /** Indexes (ascending) of the touched rows in the file (empty unless asked for). */
  rows: number[];
  /** Rows the file's current deletion vector already removes (ascending; empty unless rows were asked for). */
  deleted: number[];
  /** Whether every live row of the file is touched. */
  whole: boolean;
}

export interface MatchedRows {
  /** The files the change had to read: those left after pruning by the predicate. */
  candidates: AddFile[];
  touched: TouchedFile[];
  rows: number;
}

/**
 * The rows of a snapshot that a predicate selects, by data file and row index (the
 * numbering deletion vectors use). Files are pruned by partition values and statistics
 * first; DuckDB evaluates the predicate on the logical rows of the rest. A row whose
 * predicate is NULL is not selected, as in SQL and Spark.
 */
export async function matchedRows(engine: Engine, snapshot: Snapshot, where: string | undefined, options: { rows: boolean }): Promise<MatchedRows> {
  const scan = new Scan(snapshot, engine, { rowIds: true, ...(where === undefined ? {} : { where }) });
  const plan = await scan.plan();
  const touched = await touchedFiles(engine, snapshot, plan.files, plan.sql, options);
  return { candidates: plan.files, touched, rows: touched.reduce((n, t) => n + t.count, 0) };
}

/**
 * Group the rows of `sql` (which has the row-identity columns of a `rowIds` scan over
 * `files`) by data file. Copy on write needs only how many rows of each file are touched;
 * deletion vectors need which, and then the file's current deletion vector too. A file is
 * `whole` when no live row of it is left untouched.
 */
export async function touchedFiles(
  engine: Engine,
  snapshot: Snapshot,
  files: readonly AddFile[],
  sql: string,
  options: { rows: boolean },
): Promise<TouchedFile[]> {
  const byLocal = new Map<string, AddFile>();
  for (const file of files) {
    const resolved = resolveLogPath(snapshot.store, file.path, snapshot.location);
    byLocal.set(await engineLocation(engine, resolved.store, resolved.key), file);
  }
  const rowList = options.rows ? `, list(${ROW_INDEX_COLUMN} ORDER BY ${ROW_INDEX_COLUMN}) AS rows` : '';
  const grouped = await engine.query(`SELECT ${ROW_FILE_COLUMN} AS file, count(*) AS n${rowList} FROM (${sql}) GROUP BY ALL`);
  const touched: TouchedFile[] = [];
  for (const group of grouped) {
    const file = byLocal.get(String(group['file']));
    if (file === undefined)
      throw new AquiferError('TABLE_INTERNAL', `A changed row names the file ${String(group['file'])}, which is not among the files read`, {
        value: group['file'],
        hint: 'Report this with the table log.',
      });
    const count = Number(group['n']);
    const rows = options.rows ? (group['rows'] as bigint[]).map(Number) : [];
    const deleted =
      options.rows && file.deletionVector !== undefined
        ? await readDeletionVector(snapshot.store, file.deletionVector, `${snapshot.location} (${file.path})`)
        : [];
    const records = statsNumRecords(file);
    touched.push({ file, count, rows, deleted, whole: records !== undefined && count + (file.deletionVector?.cardinality ?? 0) === records });
  }
  return touched;
}

/** Merge two ascending lists of row indexes into one, without duplicates. */
export function unionSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const next = y === undefined || (x !== undefined && x <= y) ? (x as number) : y;
    if (x === next) i++;
    if (y === next) j++;
    if (out[out.length - 1] !== next) out.push(next);
  }
  return out;
}
