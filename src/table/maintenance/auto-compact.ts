import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { AddFile } from '../actions/index.js';
import type { Snapshot } from '../snapshot/index.js';
import type { TableWriter } from '../write/index.js';
import { optimizeTable, partitionKey, targetFileSize, type OptimizeResult } from './optimize.js';

/** The table property that turns auto compaction on, as Delta 3 and Databricks name it. */
export const AUTO_COMPACT_PROPERTY = 'delta.autoOptimize.autoCompact';

/** How many small files a partition must hold before a write compacts it (Delta's `autoCompact.minNumFiles`). */
export const AUTO_COMPACT_MIN_FILES = 50;

/** Whether the table asks for auto compaction (`true`, or Databricks' `auto` and `legacy`). */
export function autoCompactEnabled(configuration: Readonly<Record<string, string>>): boolean {
  const value = configuration[AUTO_COMPACT_PROPERTY]?.toLowerCase();
  return value === 'true' || value === 'auto' || value === 'legacy';
}

/**
 * Delta's auto compaction (after a write commits, when the table asks for it; or on demand):
 * in every partition holding at least AUTO_COMPACT_MIN_FILES small files (under half the
 * target file size) not compacted before, those files are bin-packed into one OPTIMIZE commit
 * marked `auto`. A table written often in small commits (a prediction log, a stream's sink)
 * so keeps a bounded number of files, and with them bounded checkpoints and scans. Undefined
 * when nothing is due.
 */
export async function compactSmallFiles(
  engine: Engine,
  store: ObjectStore,
  writer: TableWriter,
  snapshot: Snapshot,
  location: string,
): Promise<OptimizeResult | undefined> {
  const small = targetFileSize(snapshot) / 2;
  const byPartition = new Map<string, AddFile[]>();
  for (const file of snapshot.files) {
    // Files a compaction wrote (dataChange false) are left to OPTIMIZE, as Databricks' auto
    // compaction leaves them: else a log's growing compacted file is written again every time.
    if (file.size >= small || file.dataChange === false) continue;
    const key = partitionKey(file);
    const list = byPartition.get(key) ?? [];
    list.push(file);
    byPartition.set(key, list);
  }
  const due = [...byPartition.values()].filter((files) => files.length >= AUTO_COMPACT_MIN_FILES).flat();
  if (due.length === 0) return undefined;
  return optimizeTable(engine, store, writer, snapshot, location, { files: due, auto: true });
}
