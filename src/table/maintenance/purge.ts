import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { AddFile } from '../actions/index.js';
import { DEFAULT_DELETED_FILE_RETENTION_MS, parseRetention, writeCheckpoint } from '../checkpoint/index.js';
import { classifyLogFile, LAST_CHECKPOINT_PATH, LOG_DIR } from '../log-segment/index.js';
import { Scan } from '../scan/index.js';
import type { Snapshot } from '../snapshot/index.js';
import type { TableWriter } from '../write/index.js';
import { assertLiveFilesExist, deadFiles, liveKeys } from './dead-files.js';
import { optimizeTable } from './optimize.js';
import { vacuumTable } from './vacuum.js';

export interface PurgeResult {
  /** Live files rewritten because they still held matching rows (behind deletion vectors). */
  filesRewritten: number;
  /** Data, deletion-vector and change-data files deleted by the zero-retention vacuum. */
  filesVacuumed: string[];
  /** Log files (commits, checkpoints, checksums, sidecars) deleted before the new checkpoint. */
  logFilesDeleted: string[];
  /** The version the log now starts at: a checkpoint without tombstones. */
  checkpointVersion: number;
}

/**
 * The live files that physically hold rows matching `where`, deletion vectors ignored:
 * a row a deletion vector hides is still in the file's bytes.
 */
export async function filesHolding(engine: Engine, snapshot: Snapshot, where: string): Promise<AddFile[]> {
  if (snapshot.files.length === 0) return [];
  const raw = snapshot.files.map((f) => {
    const copy: AddFile = { ...f };
    delete copy.deletionVector;
    return copy;
  });
  const scan = new Scan(snapshot, engine, { files: raw, where, rowIds: true });
  const locations = await scan.fileLocations();
  const rows = await engine.query(`SELECT DISTINCT _aq_file AS file FROM (${await scan.sql()}) AS aquifer_purge`);
  const holding = new Set(rows.map((r) => String(r.file)));
  const byPath = new Map(snapshot.files.map((f) => [f.path, f]));
  return locations.filter((l) => holding.has(l.location)).map((l) => byPath.get(l.file.path) ?? l.file);
}

/**
 * Make rows a delete removed unreadable from every file of the table, now: rewrite the
 * live files that still hold them (behind deletion vectors), then a vacuum with zero
 * retention recorded as Delta's VACUUM START / VACUUM END commits (retentionCheckEnabled
 * false, specifiedRetentionMillis 0), then a checkpoint of the VACUUM START version
 * without tombstones and the deletion of every log file before it. Older versions'
 * files are gone after such a vacuum, so their commits could only be read to fail; and
 * their `add` and `remove` actions keep min/max statistics that can hold the values
 * themselves, so the log is cut rather than edited (a committed file is never changed).
 */
export async function purgeTable(
  engine: Engine,
  store: ObjectStore,
  writer: TableWriter,
  latest: () => Promise<Snapshot>,
  /** The latest version read afresh from the log (no state kept from before the cut, such as tombstones). */
  reload: () => Promise<Snapshot>,
  location: string,
  options: { files: readonly AddFile[]; reason: string },
): Promise<PurgeResult> {
  let current = await latest();
  let filesRewritten = 0;
  if (options.files.length > 0) {
    const result = await optimizeTable(engine, store, writer, current, location, { files: options.files, targetFileSize: Number.MAX_SAFE_INTEGER });
    filesRewritten = result.filesRemoved;
    current = await latest();
  }
  const defaultRetention = parseRetention(
    current.configuration['delta.deletedFileRetentionDuration'],
    DEFAULT_DELETED_FILE_RETENTION_MS,
    'delta.deletedFileRetentionDuration',
  );
  // Known dead: what the log removed, and what an ordinary vacuum (the table's retention) may delete.
  const doomed = async (snapshot: Snapshot, before: number) => {
    const retained = await vacuumTable(store, snapshot, location, { dryRun: true });
    const live = liveKeys(store, snapshot);
    return [...new Set([...(await deadFiles(store, snapshot, before)), ...retained.files])].filter((k) => !live.has(k)).sort();
  };
  const planned = await doomed(current, current.version + 1);
  const sizes = new Map((await store.list('', { recursive: true })).map((o) => [o.path, o.size]));
  const start = await commitInfoOnly(
    writer,
    current,
    'VACUUM START',
    {
      retentionCheckEnabled: false,
      defaultRetentionMillis: defaultRetention,
      specifiedRetentionMillis: 0,
      reason: options.reason,
    },
    {
      numFilesToDelete: String(planned.filter((k) => sizes.has(k)).length),
      sizeOfDataToDelete: String(planned.reduce((n, k) => n + (sizes.get(k) ?? 0), 0)),
    },
  );
  current = await latest();
  const present = new Set((await store.list('', { recursive: true })).map((o) => o.path));
  const vacuumed: string[] = [];
  for (const key of await doomed(current, start)) {
    if (!present.has(key)) continue;
    await store.delete(key);
    vacuumed.push(key);
  }
  await writeCheckpoint(store, engine, current, Date.now(), { tombstones: false });
  const logFilesDeleted = await deleteLogBefore(store, start);
  // From the cut log: a checkpoint this commit triggers must not bring the tombstones back.
  await commitInfoOnly(
    writer,
    await reload(),
    'VACUUM END',
    { status: 'COMPLETED' },
    {
      numDeletedFiles: String(vacuumed.length),
      numVacuumedDirectories: '0',
    },
  );
  // A file deleted here that a writer committed meanwhile would lose its rows silently: say so.
  await assertLiveFilesExist(store, await reload());
  return { filesRewritten, filesVacuumed: vacuumed, logFilesDeleted, checkpointVersion: start };
}

async function commitInfoOnly(
  writer: TableWriter,
  snapshot: Snapshot,
  operation: string,
  operationParameters: Record<string, unknown>,
  operationMetrics: Record<string, string>,
): Promise<number> {
  return writer.commitChange(snapshot, {
    removes: [],
    adds: [],
    written: [],
    deletionVectorFiles: [],
    dataChange: false,
    operation,
    operationParameters,
    operationMetrics,
    readFiles: [],
    readsAdd: () => false,
  });
}

/** Every file of the log for versions before `version` (and sidecars, which only older checkpoints name); `_last_checkpoint` stays. */
async function deleteLogBefore(store: ObjectStore, version: number): Promise<string[]> {
  const deleted: string[] = [];
  const listed = await store.list(LOG_DIR, { recursive: true });
  // Oldest first: a purge cut short leaves a contiguous log from some version on.
  const doomed = listed
    .map((meta) => ({ meta, file: classifyLogFile(meta) }))
    .filter(({ meta, file }) => {
      if (meta.path === LAST_CHECKPOINT_PATH) return false;
      if (meta.path.startsWith(`${LOG_DIR}/_sidecars/`)) return true;
      if (file !== undefined) return file.version < version && (file.type !== 'compaction' || file.endVersion < version);
      const crc = /(\d{20})\.crc$/.exec(meta.path);
      return crc !== null && Number(crc[1]) < version;
    })
    .sort((a, b) => (a.meta.path < b.meta.path ? -1 : 1));
  for (const { meta } of doomed) {
    await store.delete(meta.path);
    deleted.push(meta.path);
  }
  return deleted;
}
