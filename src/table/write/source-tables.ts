import { existsSync } from 'node:fs';
import path from 'node:path';
import { quoteLiteralList, type Engine, type LineageTable, type LineageTableReference } from '../../engine/index.js';
import { tableDataset } from '../../observe/index.js';

const FILE_READERS = new Set(['read_parquet', 'parquet_scan', 'read_csv', 'read_csv_auto', 'read_json', 'read_json_auto', 'read_ndjson', 'delta_scan']);

/**
 * What a table function with literal paths reads: the Delta table holding every file (a
 * table scan reads its Parquet files so), else one file named without wildcards; its columns
 * as DuckDB reads them. Local paths only: finding the table means looking for `_delta_log`.
 */
export async function fileTable(engine: Engine, reference: LineageTableReference): Promise<LineageTable | undefined> {
  if (reference.kind !== 'function' || !FILE_READERS.has(reference.function.toLowerCase())) return undefined;
  if (reference.paths.some((p) => /[*?[]/.test(p) || p.includes('://'))) return undefined;
  const root = reference.function.toLowerCase() === 'delta_scan' ? reference.path : deltaTableOf(reference.paths);
  if (root === undefined && reference.paths.length !== 1) return undefined;
  try {
    const options = reference.paths.length > 1 ? ', union_by_name = true' : '';
    const reader = await engine.read(`SELECT * FROM ${reference.function}(${quoteLiteralList(reference.paths)}${options}) LIMIT 0`);
    return { ...tableDataset(root ?? path.resolve(reference.path)), columns: reader.columnNames() };
  } catch {
    // A reader DuckDB cannot open here (an extension not loaded): no lineage rather than a failed change.
    return undefined;
  }
}

/** The Delta table folder (the nearest one with a `_delta_log`) holding every one of these files, if one does. */
export function deltaTableOf(files: readonly string[]): string | undefined {
  const first = files[0];
  if (first === undefined || !path.isAbsolute(first)) return undefined;
  for (let dir = path.dirname(first); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (!existsSync(path.join(dir, '_delta_log'))) continue;
    return files.every((f) => f.startsWith(`${dir}${path.sep}`)) ? dir : undefined;
  }
  return undefined;
}

/**
 * Whether a table function reads a Delta table: `delta_scan`, or a Parquet reader over files
 * that all lie in one (as a table scan's SQL does). Local paths only, as `fileTable`.
 */
export function readsDeltaTable(reference: LineageTableReference): boolean {
  if (reference.kind !== 'function' || !FILE_READERS.has(reference.function.toLowerCase())) return false;
  if (reference.paths.some((p) => /[*?[]/.test(p) || p.includes('://'))) return false;
  return reference.function.toLowerCase() === 'delta_scan' || deltaTableOf(reference.paths) !== undefined;
}
