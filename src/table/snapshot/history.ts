import type { ObjectStore } from '../../storage/index.js';
import type { CommitInfo } from '../actions/index.js';
import { listLogFiles, type CommitFile } from '../log-segment/index.js';
import { mapConcurrent, readJsonLogFile } from './read-log-file.js';

export interface HistoryEntry {
  version: number;
  /** Commit time in epoch milliseconds: commitInfo's (in-commit) timestamp, else the file's. */
  timestamp: number;
  operation: string | undefined;
  operationParameters: Record<string, unknown>;
  operationMetrics: Record<string, unknown>;
  engineInfo: string | undefined;
  readVersion: number | undefined;
  isBlindAppend: boolean | undefined;
  commitInfo: CommitInfo | undefined;
}

/** Commit provenance, newest first, for the commits still in the log. */
export async function readHistory(store: ObjectStore, options: { limit?: number } = {}): Promise<HistoryEntry[]> {
  const commits = (await listLogFiles(store)).filter((f): f is CommitFile => f.type === 'commit').sort((a, b) => b.version - a.version);
  const selected = options.limit === undefined ? commits : commits.slice(0, options.limit);
  return mapConcurrent(selected, 16, async (commit) => {
    const actions = await readJsonLogFile(store, commit.meta.path);
    const info = actions.find((a) => a.kind === 'commitInfo');
    const commitInfo = info?.kind === 'commitInfo' ? info.commitInfo : undefined;
    const timestamp =
      typeof commitInfo?.inCommitTimestamp === 'number'
        ? commitInfo.inCommitTimestamp
        : typeof commitInfo?.timestamp === 'number'
          ? commitInfo.timestamp
          : commit.meta.lastModified.getTime();
    return {
      version: commit.version,
      timestamp,
      operation: commitInfo?.operation,
      operationParameters: commitInfo?.operationParameters ?? {},
      operationMetrics: commitInfo?.operationMetrics ?? {},
      engineInfo: commitInfo?.engineInfo,
      readVersion: commitInfo?.readVersion,
      isBlindAppend: commitInfo?.isBlindAppend,
      commitInfo,
    };
  });
}
