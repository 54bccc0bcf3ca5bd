import type { Engine } from '../../engine/index.js';
import type { AddFile } from '../actions/index.js';
import { checkWriteSupport } from '../commit/index.js';
import { Scan } from '../scan/index.js';
import type { Snapshot } from '../snapshot/index.js';
import {
  DEFAULT_TARGET_FILE_SIZE,
  discardWritten,
  filesMatchingPartitions,
  parsePartitionPredicate,
  snapshotWriteSpec,
  writeDataFiles,
  type TableWriter,
} from '../write/index.js';
import type { ObjectStore } from '../../storage/index.js';

export interface OptimizeOptions {
  /** Only the partitions matching this SQL predicate over partition columns. */
  where?: string;
  /** The size compacted files aim at, in bytes (128 MiB by default). */
  targetFileSize?: number;
  /** Told the fraction done (0..1) while files are rewritten. */
  onProgress?: (fraction: number) => void;
}

/** What auto compaction adds: the files it chose, recorded as an automatic OPTIMIZE. */
interface CompactionScope {
  files?: readonly AddFile[];
  auto?: boolean;
}

export interface OptimizeResult {
  /** The version committed, or the current one when there was nothing to compact. */
  version: number;
  committed: boolean;
  filesRemoved: number;
  filesAdded: number;
  /** Deletion vectors folded into rewritten files. */
  deletionVectorsRemoved: number;
  bytesRemoved: number;
  bytesAdded: number;
  partitionsOptimized: number;
}

/**
 * Bin-packing compaction, as Delta's OPTIMIZE: in each partition, files smaller than the
 * target are grouped (in size order) into bins of about the target size, and each bin of
 * two or more files, or any file with a deletion vector, is rewritten. The commit
 * changes no data (dataChange false), so change readers skip it and concurrent appends
 * do not conflict with it; a concurrent delete of a compacted file does.
 */
export async function optimizeTable(
  engine: Engine,
  store: ObjectStore,
  writer: TableWriter,
  snapshot: Snapshot,
  location: string,
  options: OptimizeOptions & CompactionScope = {},
): Promise<OptimizeResult> {
  checkWriteSupport(snapshot.protocol, snapshot.metadata, location);
  const target = options.targetFileSize ?? targetFileSize(snapshot);
  let files: readonly AddFile[] = options.files ?? snapshot.files;
  if (options.where !== undefined)
    files = await filesMatchingPartitions(engine, snapshot, files, await parsePartitionPredicate(engine, snapshot, options.where));
  const bins = binPack(files, target);
  const nothing: OptimizeResult = {
    version: snapshot.version,
    committed: false,
    filesRemoved: 0,
    filesAdded: 0,
    deletionVectorsRemoved: 0,
    bytesRemoved: 0,
    bytesAdded: 0,
    partitionsOptimized: 0,
  };
  if (bins.length === 0) return nothing;
  const removed = bins.flat();
  const totalBytes = removed.reduce((n, f) => n + f.size, 0);
  const adds: AddFile[] = [];
  let done = 0;
  const spec = snapshotWriteSpec(snapshot, { targetFileSize: target });
  try {
    for (const bin of bins) {
      const sql = await new Scan(snapshot, engine, { files: bin }).sql();
      const written = await writeDataFiles(engine, store, spec, sql);
      adds.push(...written.adds.map((add) => ({ ...add, dataChange: false })));
      done += bin.reduce((n, f) => n + f.size, 0);
      options.onProgress?.(done / totalBytes);
    }
  } catch (error) {
    await discardWritten(store, adds);
    throw error;
  }
  const partitions = new Set(bins.map((bin) => JSON.stringify(bin[0]?.partitionValues ?? {})));
  const deletionVectors = removed.filter((f) => f.deletionVector !== undefined).length;
  const bytesAdded = adds.reduce((n, f) => n + f.size, 0);
  const version = await writer.commitChange(snapshot, {
    removes: removed,
    adds,
    written: adds,
    deletionVectorFiles: [],
    dataChange: false,
    operation: 'OPTIMIZE',
    // Databricks and Delta 3 record auto compaction as an OPTIMIZE with `auto`.
    operationParameters: {
      predicate: JSON.stringify(options.where === undefined ? [] : [options.where]),
      zOrderBy: '[]',
      ...(options.auto === true ? { auto: 'true' } : {}),
    },
    operationMetrics: {
      numRemovedFiles: String(removed.length),
      numAddedFiles: String(adds.length),
      numRemovedBytes: String(totalBytes),
      numAddedBytes: String(bytesAdded),
      numDeletionVectorsRemoved: String(deletionVectors),
    },
    readFiles: removed,
    // Compaction reads only the files it rewrites: rows appended meanwhile are untouched.
    readsAdd: () => false,
  });
  return {
    version,
    committed: true,
    filesRemoved: removed.length,
    filesAdded: adds.length,
    deletionVectorsRemoved: deletionVectors,
    bytesRemoved: totalBytes,
    bytesAdded,
    partitionsOptimized: partitions.size,
  };
}

/** A file's partition, as a key equal for files of the same partition values. */
export function partitionKey(file: AddFile): string {
  return JSON.stringify(Object.entries(file.partitionValues).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The size compacted files aim at: `delta.targetFileSize`, else 128 MiB. */
export function targetFileSize(snapshot: Snapshot): number {
  return Number(snapshot.configuration['delta.targetFileSize'] ?? DEFAULT_TARGET_FILE_SIZE);
}

/** Per partition, files below the target in bins of about the target size; only bins worth rewriting. */
export function binPack(files: readonly AddFile[], target: number): AddFile[][] {
  const byPartition = new Map<string, AddFile[]>();
  for (const file of files) {
    if (file.size >= target && file.deletionVector === undefined) continue;
    const key = partitionKey(file);
    const list = byPartition.get(key) ?? [];
    list.push(file);
    byPartition.set(key, list);
  }
  const bins: AddFile[][] = [];
  for (const list of byPartition.values()) {
    list.sort((a, b) => a.size - b.size);
    let bin: AddFile[] = [];
    let size = 0;
    const close = () => {
      if (bin.length > 1 || bin.some((f) => f.deletionVector !== undefined)) bins.push(bin);
      bin = [];
      size = 0;
    };
    for (const file of list) {
      if (bin.length > 0 && size + file.size > target) close();
      bin.push(file);
      size += file.size;
    }
    close();
  }
  return bins;
}
