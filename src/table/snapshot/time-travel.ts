import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import { TimestampOutOfRangeError } from '../errors.js';
import { commitPath, listLogFiles, type CommitFile } from '../log-segment/index.js';
import { loadSnapshot } from './load-snapshot.js';
import { readJsonLogFile } from './read-log-file.js';

/** Parse a user's time: a Date, epoch milliseconds, or an ISO-8601 string (UTC when it names no zone). */
export function parseTimestamp(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  const text = value.trim();
  const hasZone = /(?:[zZ]|[+-]\d\d:?\d\d)$/.test(text);
  const isoish = text.replace(' ', 'T');
  const millis = Date.parse(hasZone || !/\d\d:\d\d/.test(isoish) ? (hasZone ? isoish : `${isoish}T00:00:00Z`) : `${isoish}Z`);
  if (Number.isNaN(millis)) {
    throw new AquiferError('TABLE_TIMESTAMP_INVALID', `Cannot read '${value}' as a timestamp`, {
      value,
      hint: "Give an ISO-8601 time such as 2024-05-01T12:00:00Z (or '2024-05-01 12:00:00', read as UTC).",
    });
  }
  return millis;
}

/**
 * When each version was committed. By the protocol that is the commit file's
 * modification time, made strictly increasing as the reference implementation does;
 * with in-commit timestamps enabled it is the commitInfo's `inCommitTimestamp` from
 * the enablement version on.
 */
export class CommitTimeline {
  private constructor(
    private readonly commits: CommitFile[],
    private readonly fileTimes: number[],
    private readonly ictFrom: number | undefined,
    private readonly store: ObjectStore,
  ) {}

  static async load(store: ObjectStore, engine: Engine, location: string): Promise<CommitTimeline> {
    const commits = (await listLogFiles(store)).filter((f): f is CommitFile => f.type === 'commit').sort((a, b) => a.version - b.version);
    const times: number[] = [];
    for (const commit of commits) {
      const previous = times.at(-1);
      const mtime = commit.meta.lastModified.getTime();
      times.push(previous !== undefined && mtime <= previous ? previous + 1 : mtime);
    }
    const latest = await loadSnapshot(store, engine, location);
    const config = latest.configuration;
    const ictFrom = config['delta.enableInCommitTimestamps'] === 'true' ? Number(config['delta.inCommitTimestampEnablementVersion'] ?? 0) : undefined;
    return new CommitTimeline(commits, times, ictFrom, store);
  }

  get versions(): number[] {
    return this.commits.map((c) => c.version);
  }

  async timestampAt(index: number): Promise<number> {
    const commit = this.commits[index] as CommitFile;
    if (this.ictFrom !== undefined && commit.version >= this.ictFrom) {
      const actions = await readJsonLogFile(this.store, commitPath(commit.version));
      for (const action of actions) {
        if (action.kind === 'commitInfo' && typeof action.commitInfo.inCommitTimestamp === 'number') return action.commitInfo.inCommitTimestamp;
      }
    }
    return this.fileTimes[index] as number;
  }
}

/** The newest version committed at or before the given time. */
export async function versionAtTimestamp(store: ObjectStore, engine: Engine, location: string, when: Date | string | number): Promise<number> {
  const target = parseTimestamp(when);
  const timeline = await CommitTimeline.load(store, engine, location);
  const versions = timeline.versions;
  if (versions.length === 0) return 0;
  let low = 0;
  let high = versions.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((await timeline.timestampAt(mid)) <= target) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (found < 0) {
    const earliest = new Date(await timeline.timestampAt(0)).toISOString();
    const latest = new Date(await timeline.timestampAt(versions.length - 1)).toISOString();
    throw new TimestampOutOfRangeError(location, new Date(target).toISOString(), earliest, latest);
  }
  return versions[found] as number;
}
