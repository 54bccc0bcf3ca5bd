import type { ObjectStore } from '../../storage/index.js';
import type { AddFile, RemoveFile } from '../actions/index.js';
import { DEFAULT_DELETED_FILE_RETENTION_MS, parseRetention } from '../checkpoint/index.js';
import { deletionVectorPath } from '../deletion-vectors/index.js';
import { WriteInvalidError } from '../errors.js';
import { resolveLogPath } from '../paths/index.js';
import { physicalName } from '../schema/index.js';
import type { Snapshot } from '../snapshot/index.js';

export interface VacuumOptions {
  /** Keep files removed less than this many hours ago (the table's delta.deletedFileRetentionDuration, 7 days by default). */
  retentionHours?: number;
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean;
  /** Allow a retention below the table's, which can break readers of older versions and writers still running. */
  force?: boolean;
  /** The time vacuum runs at (tests). */
  now?: number;
}

export interface VacuumResult {
  dryRun: boolean;
  retentionHours: number;
  /** Store keys (relative to the table root) deleted, or that would be. */
  files: string[];
  bytes: number;
}

/**
 * Delete files in the table folder that no version within the retention needs, as
 * Spark's VACUUM does: every file that is neither in the current version (data and
 * deletion-vector files) nor removed within the retention, and was itself written
 * before the retention began (so a write still in progress keeps its files). Hidden
 * names (a leading `_` or `.`) are skipped, except `_change_data` and partition folders.
 */
export async function vacuumTable(store: ObjectStore, snapshot: Snapshot, location: string, options: VacuumOptions = {}): Promise<VacuumResult> {
  const configured = parseRetention(
    snapshot.configuration['delta.deletedFileRetentionDuration'],
    DEFAULT_DELETED_FILE_RETENTION_MS,
    'delta.deletedFileRetentionDuration',
  );
  const retentionMs = options.retentionHours === undefined ? configured : options.retentionHours * 3_600_000;
  if (!Number.isFinite(retentionMs) || retentionMs < 0)
    throw new WriteInvalidError(
      'VACUUM_RETENTION_INVALID',
      `The retention ${String(options.retentionHours)} hours is not a duration`,
      options.retentionHours,
      'Give a number of hours, e.g. 168.',
    );
  if (retentionMs < configured && options.force !== true) {
    throw new WriteInvalidError(
      'VACUUM_RETENTION_TOO_SHORT',
      `A retention of ${retentionMs / 3_600_000} hours is below the table's ${configured / 3_600_000} hours (delta.deletedFileRetentionDuration): readers of older versions and writers still running could lose files`,
      retentionMs / 3_600_000,
      'Keep the default, or pass force (--force) when no reader or writer can be using versions older than the retention.',
    );
  }
  const now = options.now ?? Date.now();
  const cutoff = now - retentionMs;
  const valid = new Set<string>();
  const keep = (file: AddFile | RemoveFile) => {
    const resolved = resolveLogPath(store, file.path, location);
    if (resolved.store === store) valid.add(resolved.key);
    if (file.deletionVector?.storageType === 'u') valid.add(deletionVectorPath(file.deletionVector));
  };
  for (const file of snapshot.files) keep(file);
  for (const tombstone of snapshot.tombstones) if ((tombstone.deletionTimestamp ?? 0) > cutoff) keep(tombstone);
  const partitionFolders = snapshot.schema.fields
    .filter((f) => snapshot.partitionColumns.includes(f.name))
    .flatMap((f) => [`${f.name}=`, `${physicalName(f, snapshot.columnMappingMode)}=`]);
  const listed = await store.list('', { recursive: true });
  const doomed = listed.filter((object) => !valid.has(object.path) && object.lastModified.getTime() < cutoff && !isHidden(object.path, partitionFolders));
  if (options.dryRun !== true) {
    for (const object of doomed) await store.delete(object.path);
  }
  return {
    dryRun: options.dryRun === true,
    retentionHours: retentionMs / 3_600_000,
    files: doomed.map((o) => o.path),
    bytes: doomed.reduce((n, o) => n + o.size, 0),
  };
}

function isHidden(key: string, partitionFolders: readonly string[]): boolean {
  return key
    .split('/')
    .some((part) => (part.startsWith('_') || part.startsWith('.')) && !part.startsWith('_change_data') && !partitionFolders.some((p) => part.startsWith(p)));
}
