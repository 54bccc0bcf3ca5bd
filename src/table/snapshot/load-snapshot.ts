import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { CommitInfo } from '../actions/index.js';
import { readCheckpointActions } from '../checkpoint/index.js';
import { MetadataMissingError, ProtocolMissingError } from '../errors.js';
import { buildLogSegment, type LogSegment } from '../log-segment/index.js';
import { checkReadSupport } from './protocol-support.js';
import { mapConcurrent, readJsonLogFile } from './read-log-file.js';
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
}

/** Replay the log: checkpoint first, then each commit (or compaction) after it, in order. */
export async function loadLogState(store: ObjectStore, engine: Engine, location: string, options: SnapshotOptions = {}): Promise<LogState> {
  let version = options.version;
  if (options.timestamp !== undefined) version = await versionAtTimestamp(store, engine, location, options.timestamp);
  const segment = await buildLogSegment(store, location, version === undefined ? {} : { version });
  const state = new TableState(store.url);
  if (segment.checkpoint !== undefined) state.apply(await readCheckpointActions(engine, store, segment.checkpoint.files));
  const deltas = await mapConcurrent(segment.deltas, 16, (file) => readJsonLogFile(store, file.meta.path));
  let commitInfo: CommitInfo | undefined;
  deltas.forEach((actions, index) => {
    state.apply(actions);
    const file = segment.deltas[index];
    if (file?.type === 'commit' && file.version === segment.version) {
      const info = actions.find((a) => a.kind === 'commitInfo');
      commitInfo = info?.kind === 'commitInfo' ? info.commitInfo : undefined;
    }
  });
  return { segment, state, commitInfo };
}

/** Reconstruct one version of the table and check that this reader can read it. */
export async function loadSnapshot(store: ObjectStore, engine: Engine, location: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const { segment, state, commitInfo } = await loadLogState(store, engine, location, options);
  if (state.protocol === undefined) throw new ProtocolMissingError(location, segment.version);
  if (state.metadata === undefined) throw new MetadataMissingError(location, segment.version);
  checkReadSupport(state.protocol, location);
  const lastCommit = segment.commits.at(-1);
  const ict = state.metadata.configuration['delta.enableInCommitTimestamps'] === 'true' ? commitInfo?.inCommitTimestamp : undefined;
  const timestamp =
    typeof ict === 'number'
      ? ict
      : lastCommit?.version === segment.version
        ? lastCommit.meta.lastModified.getTime()
        : (segment.checkpoint?.files[0]?.meta.lastModified.getTime() ?? 0);
  return new Snapshot(store, location, segment.version, state.protocol, state.metadata, state, timestamp, segment.latestVersion);
}
