import { log } from '../../log.js';
import type { ObjectStore } from '../../storage/index.js';
import { listLogFiles, type LogFile } from '../log-segment/index.js';
import { DEFAULT_LOG_RETENTION_MS, parseRetention } from './retention.js';

export interface LogCleanupResult {
  /** The checkpoint every remaining state is rebuilt from; undefined when nothing could go. */
  keptFromCheckpoint: number | undefined;
  deleted: string[];
}

/**
 * Remove log files past `delta.logRetentionDuration`, as Spark's metadata cleanup does:
 * only files older than the cutoff AND older than the newest checkpoint that is itself
 * past the cutoff, so every version from that checkpoint on can still be loaded, and a
 * version before it fails as "not available" rather than loading wrong. Checkpoints are
 * deleted with their commits; the newest complete one stays.
 */
export async function cleanupExpiredLogs(store: ObjectStore, configuration: Readonly<Record<string, string>>, now = Date.now()): Promise<LogCleanupResult> {
  if (configuration['delta.enableExpiredLogCleanup'] === 'false') return { keptFromCheckpoint: undefined, deleted: [] };
  const cutoff = now - parseRetention(configuration['delta.logRetentionDuration'], DEFAULT_LOG_RETENTION_MS, 'delta.logRetentionDuration');
  // Only the expired head of the log can go: the listing stops at the first file that is
  // not expired (as Spark's cleanup takes its listing lazily), so a young log costs one LIST
  // however long it is. A file out of time order only makes the cleanup delete less.
  const expired = (f: LogFile): boolean => f.meta.lastModified.getTime() <= cutoff;
  const files = await listLogFiles(store, undefined, expired);
  const anchor = newestCompleteCheckpoint(files.filter(expired));
  if (anchor === undefined) return { keptFromCheckpoint: undefined, deleted: [] };
  const doomed = files.filter((f) => f.version < anchor && f.meta.lastModified.getTime() <= cutoff && (f.type !== 'compaction' || f.endVersion < anchor));
  // Oldest first: a cleanup cut short leaves a contiguous log from some version on.
  doomed.sort((a, b) => a.version - b.version);
  for (const file of doomed) await store.delete(file.meta.path);
  if (doomed.length > 0) log.info({ store: store.url, deleted: doomed.length, fromCheckpoint: anchor }, 'removed expired log files');
  return { keptFromCheckpoint: anchor, deleted: doomed.map((f) => f.meta.path) };
}

function newestCompleteCheckpoint(files: readonly LogFile[]): number | undefined {
  const parts = new Map<string, { version: number; seen: number; needed: number }>();
  for (const file of files) {
    if (file.type !== 'checkpoint') continue;
    const key = file.format === 'multipart' ? `${file.version}/${file.parts}` : `${file.version}/${file.format}`;
    const entry = parts.get(key) ?? { version: file.version, seen: 0, needed: file.format === 'multipart' ? file.parts : 1 };
    entry.seen++;
    parts.set(key, entry);
  }
  let newest: number | undefined;
  for (const entry of parts.values()) if (entry.seen >= entry.needed && (newest === undefined || entry.version > newest)) newest = entry.version;
  return newest;
}
