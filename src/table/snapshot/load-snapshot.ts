import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { Action, CommitInfo } from '../actions/index.js';
import { readCheckpointActions } from '../checkpoint/index.js';
import { MetadataMissingError, ProtocolMissingError } from '../errors.js';
import { buildLogSegment, commitPath, listLogFiles, LOG_DIR, padVersion, type CommitFile, type LogSegment } from '../log-segment/index.js';
import { checkReadSupport } from './protocol-support.js';
import { commitDigest, mapConcurrent, readJsonLogFileWithDigest } from './read-log-file.js';
import { Snapshot } from './snapshot.js';
import { TableState } from './table-state.js';
import { versionAtTimestamp } from './time-travel.js';

export interface SnapshotOptions {
  /** Read this version (time travel). */
  version?: number;
  /** Read the newest version committed at or before this time (time travel). */
  timestamp?: Date | string | number;
}

/** The reconciled log at one version, before any check that it is a readable table. */
export interface LogState {
  segment: LogSegment;
  state: TableState;
  /** commitInfo of the version's own commit, when the log still has it. */
  commitInfo: CommitInfo | undefined;
  /** Digest of the version's own commit file, when the log still has it. */
  commitDigest: string | undefined;
}

/** Replay the log: checkpoint first, then each commit (or compaction) after it, in order. */
export async function loadLogState(store: ObjectStore, engine: Engine, location: string, options: SnapshotOptions = {}): Promise<LogState> {
  let version = options.version;
  if (options.timestamp !== undefined) version = await versionAtTimestamp(store, engine, location, options.timestamp);
  const segment = await buildLogSegment(store, location, version === undefined ? {} : { version });
  const state = new TableState(store.url);
  if (segment.checkpoint !== undefined) state.apply(await readCheckpointActions(engine, store, segment.checkpoint.files));
  const deltas = await mapConcurrent(segment.deltas, 16, (file) => readJsonLogFileWithDigest(store, file.meta.path));
  let commitInfo: CommitInfo | undefined;
  let digest: string | undefined;
  deltas.forEach(({ actions, digest: fileDigest }, index) => {
    state.apply(actions);
    const file = segment.deltas[index];
    if (file?.type === 'commit' && file.version === segment.version) {
      const info = actions.find((a) => a.kind === 'commitInfo');
      commitInfo = info?.kind === 'commitInfo' ? info.commitInfo : undefined;
      digest = fileDigest;
    }
  });
  digest ??= await commitDigest(store, commitPath(segment.version));
  return { segment, state, commitInfo, commitDigest: digest };
}

/** Reconstruct one version of the table and check that this reader can read it. */
export async function loadSnapshot(store: ObjectStore, engine: Engine, location: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const { segment, state, commitInfo, commitDigest: digest } = await loadLogState(store, engine, location, options);
  const lastCommit = segment.commits.at(-1);
  const fileTime =
    lastCommit?.version === segment.version ? lastCommit.meta.lastModified.getTime() : (segment.checkpoint?.files[0]?.meta.lastModified.getTime() ?? 0);
  return checkedSnapshot(store, location, segment.version, state, commitInfo, fileTime, segment.latestVersion, digest);
}

/**
 * The latest snapshot, built from an earlier one by applying only the commits after it
 * (the common case for a table that is read again and again while it grows). Falls back
 * to a full load when the log no longer holds every commit after the earlier version.
 */
export async function refreshSnapshot(previous: Snapshot, engine: Engine): Promise<Snapshot> {
  const { store, location } = previous;
  // A table deleted and created anew at the same place has another commit at that version (or none).
  // Commits are numbered without gaps: when the next one is absent there is nothing newer, and
  // one lookup answers instead of listing a log that only grows. Both lookups go together.
  const [digest, next] = await Promise.all([commitDigest(store, commitPath(previous.version)), store.head(commitPath(previous.version + 1))]);
  if (digest === undefined || digest !== previous.commitDigest) return loadSnapshot(store, engine, location);
  if (next === undefined) return previous;
  const newer = (await listLogFiles(store, `${LOG_DIR}/${padVersion(previous.version)}.json`))
    .filter((f): f is CommitFile => f.type === 'commit' && f.version > previous.version)
    .sort((a, b) => a.version - b.version);
  if (newer.length === 0) return previous;
  if (newer.some((commit, i) => commit.version !== previous.version + 1 + i)) return loadSnapshot(store, engine, location);
  const state = previous.logState.clone();
  const commits = await mapConcurrent(newer, 16, (file) => readJsonLogFileWithDigest(store, file.meta.path));
  commits.forEach(({ actions }) => state.apply(actions));
  const last = newer.at(-1) as CommitFile;
  const info = commits.at(-1)?.actions.find((a) => a.kind === 'commitInfo');
  return checkedSnapshot(
    store,
    location,
    last.version,
    state,
    info?.kind === 'commitInfo' ? info.commitInfo : undefined,
    last.meta.lastModified.getTime(),
    last.version,
    commits.at(-1)?.digest,
  );
}

/**
 * The snapshot a writer's own commit made, built in memory from the snapshot it read:
 * only valid when that commit is the very next version (no other writer in between),
 * so the writer need not read back what it just wrote.
 */
export function snapshotAfterCommit(previous: Snapshot, commit: CommittedVersion): Snapshot {
  const state = previous.logState.clone();
  state.apply(commit.actions);
  const info = commit.actions.find((a) => a.kind === 'commitInfo');
  return checkedSnapshot(
    previous.store,
    previous.location,
    commit.version,
    state,
    info?.kind === 'commitInfo' ? info.commitInfo : undefined,
    commit.fileTime,
    commit.version,
    commit.digest,
  );
}

/** A commit this process wrote: its actions (commitInfo first), the digest of its bytes and the file's time. */
export interface CommittedVersion {
  version: number;
  actions: readonly Action[];
  digest: string;
  fileTime: number;
}

function checkedSnapshot(
  store: ObjectStore,
  location: string,
  version: number,
  state: TableState,
  commitInfo: CommitInfo | undefined,
  fileTime: number,
  latestVersion: number,
  digest: string | undefined,
): Snapshot {
  if (state.protocol === undefined) throw new ProtocolMissingError(location, version);
  if (state.metadata === undefined) throw new MetadataMissingError(location, version);
  checkReadSupport(state.protocol, location);
  const ict = state.metadata.configuration['delta.enableInCommitTimestamps'] === 'true' ? commitInfo?.inCommitTimestamp : undefined;
  const timestamp = typeof ict === 'number' ? ict : fileTime;
  return new Snapshot(store, location, version, state.protocol, state.metadata, state, timestamp, latestVersion, digest);
}
