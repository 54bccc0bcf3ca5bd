import type { ObjectStore } from '../../storage/index.js';
import type { AddFile, RemoveFile } from '../actions/index.js';
import { deletionVectorPath } from '../deletion-vectors/index.js';
import { DataFileMissingError } from '../errors.js';
import { classifyLogFile, LOG_DIR } from '../log-segment/index.js';
import { resolveLogPath } from '../paths/index.js';
import { readJsonLogFile } from '../snapshot/index.js';
import type { Snapshot } from '../snapshot/index.js';

/** The store keys (in the table's own store) of a file action: its data file, and its deletion vector's file. */
function keysOf(store: ObjectStore, location: string, file: AddFile | RemoveFile, withData: boolean): string[] {
  const keys: string[] = [];
  if (withData) {
    const resolved = resolveLogPath(store, file.path, location);
    if (resolved.store === store) keys.push(resolved.key);
  }
  if (file.deletionVector?.storageType === 'u') keys.push(deletionVectorPath(file.deletionVector));
  return keys;
}

/** Every key the snapshot's live files need: data files and deletion-vector files. */
export function liveKeys(store: ObjectStore, snapshot: Snapshot): Set<string> {
  return new Set(snapshot.files.flatMap((f) => keysOf(store, snapshot.location, f, true)));
}

/**
 * The files known dead before `version`: those the snapshot's `remove` actions name (and
 * their deletion vectors), and the change-data files of the commits before `version`, none
 * needed by a live file. Only the log says a file is dead: a file the log does not name may
 * be a concurrent writer's, staged and about to be committed, so it is never guessed dead.
 */
export async function deadFiles(store: ObjectStore, snapshot: Snapshot, version: number): Promise<string[]> {
  const live = liveKeys(store, snapshot);
  const dead = new Set<string>();
  for (const tombstone of snapshot.tombstones) for (const key of keysOf(store, snapshot.location, tombstone, true)) dead.add(key);
  for (const meta of await store.list(LOG_DIR, { recursive: true })) {
    const file = classifyLogFile(meta);
    if (file?.type !== 'commit' || file.version >= version) continue;
    for (const action of await readJsonLogFile(store, meta.path))
      if (action.kind === 'cdc') {
        const resolved = resolveLogPath(store, action.cdc.path, snapshot.location);
        if (resolved.store === store) dead.add(resolved.key);
      }
  }
  return [...dead].filter((key) => !live.has(key)).sort();
}

/** Fail loudly unless every file the snapshot's live files need is in the store. */
export async function assertLiveFilesExist(store: ObjectStore, snapshot: Snapshot): Promise<void> {
  const present = new Set((await store.list('', { recursive: true })).map((o) => o.path));
  for (const key of [...liveKeys(store, snapshot)].sort()) if (!present.has(key)) throw new DataFileMissingError(key);
}
