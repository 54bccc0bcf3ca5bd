import type { ListOptions, ObjectStore } from '../../storage/index.js';
import { TableNotFoundError, VersionNotFoundError, VersionsNotContiguousError } from '../errors.js';
import { readLastCheckpoint } from './last-checkpoint.js';
import { classifyLogFile, LOG_DIR, padVersion, type CheckpointFile, type CommitFile, type CompactionFile, type LogFile } from './log-file.js';

/**
 * The log files that together describe one version: the newest complete checkpoint at
 * or before it, then every commit after the checkpoint up to the version (some runs of
 * commits may be replaced by a log compaction file covering exactly them).
 */
export interface LogSegment {
  version: number;
  /** All parts of the chosen checkpoint (one file unless multi-part). */
  checkpoint?: { version: number; files: CheckpointFile[] };
  /** Commits and compactions after the checkpoint, oldest first. */
  deltas: (CommitFile | CompactionFile)[];
  /** Every commit file after the checkpoint (compacted or not), for timestamps and history. */
  commits: CommitFile[];
  /** The newest version the log holds, whatever version was asked for. */
  latestVersion: number;
}

export interface LogSegmentOptions {
  version?: number;
  /** Use `_x_.y.compacted.json` files where they cover a run of commits; on by default. */
  useCompactions?: boolean;
}

/**
 * The log's files in key order (commits by version), from after `startAfter` when given,
 * and only up to the first log file `takeWhile` refuses (other names never end the listing).
 */
export async function listLogFiles(store: ObjectStore, startAfter?: string, takeWhile?: (file: LogFile) => boolean): Promise<LogFile[]> {
  const options: ListOptions = {};
  if (startAfter !== undefined) options.startAfter = startAfter;
  if (takeWhile !== undefined) {
    options.takeWhile = (meta) => {
      const file = classifyLogFile(meta);
      return file === undefined || takeWhile(file);
    };
  }
  const listed = await store.list(LOG_DIR, options);
  const files: LogFile[] = [];
  for (const meta of listed) {
    const file = classifyLogFile(meta);
    if (file !== undefined) files.push(file);
  }
  return files;
}

export async function buildLogSegment(store: ObjectStore, location: string, options: LogSegmentOptions = {}): Promise<LogSegment> {
  const hint = await readLastCheckpoint(store);
  const target = options.version;
  // Listing from the hinted checkpoint saves a full listing on long logs; when the hint
  // is stale, wrong, or the caller wants an older version, list everything.
  if (hint !== undefined && (target === undefined || target >= hint.version)) {
    const files = await listLogFiles(store, `${LOG_DIR}/${padVersion(hint.version)}`);
    const segment = trySegment(files, location, target, options, false);
    if (segment !== undefined) return segment;
  }
  const files = await listLogFiles(store);
  const segment = trySegment(files, location, target, options, true);
  if (segment === undefined) throw new TableNotFoundError(location);
  return segment;
}

function trySegment(files: LogFile[], location: string, target: number | undefined, options: LogSegmentOptions, complete: boolean): LogSegment | undefined {
  const commits = new Map<number, CommitFile>();
  const checkpoints = new Map<number, CheckpointFile[]>();
  const compactions: CompactionFile[] = [];
  for (const file of files) {
    if (file.type === 'commit') commits.set(file.version, file);
    else if (file.type === 'checkpoint') {
      const list = checkpoints.get(file.version) ?? [];
      list.push(file);
      checkpoints.set(file.version, list);
    } else compactions.push(file);
  }
  const completeCheckpoints = [...checkpoints.entries()]
    .map(([version, list]) => ({ version, files: completeCheckpoint(list) }))
    .filter((c): c is { version: number; files: CheckpointFile[] } => c.files !== undefined)
    .sort((a, b) => a.version - b.version);
  const commitVersions = [...commits.keys()].sort((a, b) => a - b);
  const lastCommit = commitVersions.at(-1);
  const lastCheckpoint = completeCheckpoints.at(-1)?.version;
  if (lastCommit === undefined && lastCheckpoint === undefined) return undefined;
  const latestVersion = Math.max(lastCommit ?? -1, lastCheckpoint ?? -1);
  const version = target ?? latestVersion;
  if (version > latestVersion || version < 0) {
    if (!complete) return undefined;
    throw new VersionNotFoundError(location, version, { earliest: earliestRecoverable(commitVersions, completeCheckpoints), latest: latestVersion });
  }
  const checkpoint = [...completeCheckpoints].reverse().find((c) => c.version <= version);
  if (checkpoint === undefined && !complete) return undefined;
  const start = checkpoint === undefined ? 0 : checkpoint.version + 1;
  const segmentCommits: CommitFile[] = [];
  for (let v = start; v <= version; v++) {
    const commit = commits.get(v);
    if (commit === undefined) {
      if (!complete) return undefined;
      if (checkpoint === undefined && v === 0 && commitVersions.length > 0 && (commitVersions[0] as number) > 0) {
        // The log starts after 0 and no checkpoint covers the gap: older versions are gone.
        throw new VersionNotFoundError(location, version, { earliest: earliestRecoverable(commitVersions, completeCheckpoints), latest: latestVersion });
      }
      throw new VersionsNotContiguousError(
        location,
        v,
        commitVersions.find((c) => c > v),
      );
    }
    segmentCommits.push(commit);
  }
  const deltas = options.useCompactions === false ? segmentCommits : applyCompactions(segmentCommits, compactions, start, version);
  const segment: LogSegment = { version, deltas, commits: segmentCommits, latestVersion };
  if (checkpoint !== undefined) segment.checkpoint = checkpoint;
  return segment;
}

/** All parts of a multi-part checkpoint, or the single file of a classic / v2 one; undefined when incomplete. */
function completeCheckpoint(files: CheckpointFile[]): CheckpointFile[] | undefined {
  const single = files.find((f) => f.format === 'classic') ?? files.find((f) => f.format === 'v2');
  if (single !== undefined) return [single];
  const byParts = new Map<number, Map<number, CheckpointFile>>();
  for (const file of files) {
    if (file.format !== 'multipart') continue;
    const parts = byParts.get(file.parts) ?? new Map<number, CheckpointFile>();
    parts.set(file.part, file);
    byParts.set(file.parts, parts);
  }
  for (const [count, parts] of byParts) {
    if (parts.size === count) return [...parts.values()].sort((a, b) => (a.format === 'multipart' && b.format === 'multipart' ? a.part - b.part : 0));
  }
  return undefined;
}

/** Replace runs of commits with compaction files that cover exactly such a run, widest first. */
function applyCompactions(commits: CommitFile[], compactions: CompactionFile[], start: number, end: number): (CommitFile | CompactionFile)[] {
  const usable = compactions.filter((c) => c.version >= start && c.endVersion <= end && c.endVersion > c.version);
  if (usable.length === 0) return commits;
  const out: (CommitFile | CompactionFile)[] = [];
  let index = 0;
  while (index < commits.length) {
    const commit = commits[index] as CommitFile;
    const best = usable.filter((c) => c.version === commit.version).sort((a, b) => b.endVersion - a.endVersion)[0];
    if (best === undefined) {
      out.push(commit);
      index++;
    } else {
      out.push(best);
      index += best.endVersion - best.version + 1;
    }
  }
  return out;
}

function earliestRecoverable(commitVersions: number[], checkpoints: { version: number }[]): number {
  const firstCheckpoint = checkpoints[0]?.version;
  if (commitVersions[0] === 0) return 0;
  return firstCheckpoint ?? commitVersions[0] ?? 0;
}
