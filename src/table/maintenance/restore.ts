import type { ObjectStore } from '../../storage/index.js';
import type { AddFile } from '../actions/index.js';
import { checkWriteSupport, fileKey } from '../commit/index.js';
import { DataFileMissingError } from '../errors.js';
import { resolveLogPath } from '../paths/index.js';
import type { Snapshot } from '../snapshot/index.js';
import type { TableWriter } from '../write/index.js';

export interface RestoreResult {
  version: number;
  /** The version whose state was restored. */
  restoredVersion: number;
  filesAdded: number;
  filesRemoved: number;
}

/**
 * Make the table's latest version have an earlier version's files and schema, as
 * Delta's RESTORE: files the earlier version had are added back, files it did not are
 * removed, in one commit; history stays, so the restore itself can be undone. Refused
 * with a typed error when a file it needs was vacuumed. The protocol is kept (it never
 * goes down).
 */
export async function restoreTable(store: ObjectStore, writer: TableWriter, current: Snapshot, target: Snapshot, location: string): Promise<RestoreResult> {
  checkWriteSupport(current.protocol, current.metadata, location);
  const currentKeys = new Map(current.files.map((f) => [fileKey(store.url, f), f]));
  const targetKeys = new Map(target.files.map((f) => [fileKey(store.url, f), f]));
  const adds = [...targetKeys].filter(([k]) => !currentKeys.has(k)).map(([, f]): AddFile => ({ ...f, dataChange: true }));
  const removes = [...currentKeys].filter(([k]) => !targetKeys.has(k)).map(([, f]) => f);
  for (let i = 0; i < adds.length; i += 64) {
    await Promise.all(
      adds.slice(i, i + 64).map(async (file) => {
        const resolved = resolveLogPath(store, file.path, location);
        if ((await resolved.store.head(resolved.key)) === undefined) throw new DataFileMissingError(`${resolved.store.url}/${resolved.key}`);
      }),
    );
  }
  const metadataChanged = JSON.stringify(current.metadata) !== JSON.stringify(target.metadata);
  const version = await writer.commitChange(current, {
    removes,
    adds,
    written: [],
    deletionVectorFiles: [],
    ...(metadataChanged ? { metadata: target.metadata } : {}),
    operation: 'RESTORE',
    operationParameters: { version: target.version, timestamp: null },
    operationMetrics: {
      numRestoredFiles: String(adds.length),
      numRemovedFiles: String(removes.length),
      restoredFilesSize: String(adds.reduce((n, f) => n + f.size, 0)),
      removedFilesSize: String(removes.reduce((n, f) => n + f.size, 0)),
      numOfFilesAfterRestore: String(target.files.length),
      tableSizeAfterRestore: String(target.files.reduce((n, f) => n + f.size, 0)),
    },
    readFiles: current.files,
  });
  return { version, restoredVersion: target.version, filesAdded: adds.length, filesRemoved: removes.length };
}
