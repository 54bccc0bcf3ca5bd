import { createHash } from 'node:crypto';
import { log } from '../../log.js';
import { holdsBytes, ObjectAlreadyExistsError, type ObjectStore } from '../../storage/index.js';
import { actionToJson, type Action, type CommitInfo } from '../actions/index.js';
import { CommitConflictError, TableAlreadyExistsError } from '../errors.js';
import { commitPath, readLastCheckpoint } from '../log-segment/index.js';
import { commitDigest, readJsonLogFile, type CommittedVersion } from '../snapshot/index.js';
import { checkConflicts, fileKey, type TransactionFootprint } from './conflict-checker.js';

export const ENGINE_INFO = 'Aquifer/0.1.0';

export interface CommitRequest {
  /** The version the transaction read; undefined when it creates the table. */
  readVersion: number | undefined;
  actions: Action[];
  operation: string;
  operationParameters: Record<string, unknown>;
  operationMetrics?: Record<string, string>;
  footprint: TransactionFootprint;
  /** Whether the table writes in-commit timestamps (delta.enableInCommitTimestamps). */
  inCommitTimestamps?: boolean;
  /** The previous version's in-commit timestamp, so ours can be kept strictly larger. */
  previousTimestamp?: number;
  /** Give up after this many lost races. */
  maxAttempts?: number;
  /**
   * The digest of the read version's commit file. With it, a commit that lands at the next
   * version also says whether the version read still stands (`followsRead`).
   */
  readDigest?: string;
}

export interface CommitResult {
  version: number;
  /** How many times another writer won first and this commit moved to a later version. */
  retries: number;
  /** What was written at `version`, so the writer can move its snapshot forward without reading it back. */
  committed: CommittedVersion;
  /**
   * Whether the commit is the very next version after the one read and that version still
   * holds the bytes read (a table deleted and made anew at the same place does not): only
   * then may the writer build its next snapshot in memory. False without `readDigest`.
   */
  followsRead: boolean;
}

/**
 * Commit a transaction: write `<version>.json` with put-if-absent, so of two writers
 * racing for one version exactly one wins. The loser reads the winner's commit, checks
 * it for logical conflicts and, when there are none, tries the next version.
 */
export async function commitTransaction(store: ObjectStore, location: string, request: CommitRequest): Promise<CommitResult> {
  const maxAttempts = request.maxAttempts ?? 50;
  const ourRemoves = request.actions.flatMap((a) => (a.kind === 'remove' ? [fileKey(store.url, a.remove)] : []));
  let version = request.readVersion === undefined ? 0 : request.readVersion + 1;
  let previousTimestamp = request.previousTimestamp;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const commitInfo = buildCommitInfo(request, previousTimestamp);
    const actions = [{ kind: 'commitInfo', commitInfo } as Action, ...request.actions];
    const body = Buffer.from(actions.map(actionToJson).join('\n') + '\n');
    let landed = true;
    try {
      await store.put(commitPath(version), body, { ifAbsent: true });
    } catch (error) {
      landed = false;
      if (!(error instanceof ObjectAlreadyExistsError)) {
        const outcome = await readBack(store, version, body);
        if (outcome === 'unknown') {
          if (typeof error === 'object' && error !== null) outcomeUnknown.add(error);
          throw error;
        }
        landed = outcome === 'ours';
      }
    }
    if (landed) {
      // Lookups after the fact; made together, they cost one round trip.
      const [fileTime, previous] = await Promise.all([commitInfo.inCommitTimestamp ?? commitFileTime(store, version), previousCommit(store, request, version)]);
      if (!previous.stands) await withdrawStrayCommit(store, location, version);
      const followsRead = previous.followsRead;
      log.info({ table: location, version, operation: request.operation, retries: attempt }, 'committed');
      return { version, retries: attempt, committed: { version, actions, digest: createHash('sha1').update(body).digest('hex'), fileTime }, followsRead };
    }
    if (request.readVersion === undefined) throw new TableAlreadyExistsError(location);
    const winner = await readJsonLogFile(store, commitPath(version));
    checkConflicts(store.url, request.footprint, ourRemoves, version, winner);
    log.debug({ table: location, version }, 'lost the race for a version without a logical conflict; retrying at the next');
    const info = winner.find((a) => a.kind === 'commitInfo');
    if (info?.kind === 'commitInfo' && typeof info.commitInfo.inCommitTimestamp === 'number') previousTimestamp = info.commitInfo.inCommitTimestamp;
    version++;
  }
  throw new CommitConflictError(`Gave up committing to ${location} after ${maxAttempts} attempts lost to other writers`, {
    version,
    reason: 'TOO_MANY_RETRIES',
  });
}

/** Errors of commits that may or may not have landed. */
const outcomeUnknown = new WeakSet<object>();

/**
 * Whether `error` failed a commit whose put may still have landed (the store stopped
 * answering mid-put and the version could not be read back). The data files it names
 * must then stay: deleting them could break a standing commit; vacuum removes them if
 * the commit did not land.
 */
export function commitOutcomeUnknown(error: unknown): boolean {
  return typeof error === 'object' && error !== null && outcomeUnknown.has(error);
}

/**
 * After a put failed with something other than "already exists" (a lost connection, a
 * 5xx after the write), the commit file says what happened: our bytes mean it landed,
 * other bytes mean another writer holds the version (a lost race), and no file or no
 * answer leaves it unknown.
 */
async function readBack(store: ObjectStore, version: number, body: Buffer): Promise<'ours' | 'theirs' | 'unknown'> {
  try {
    const held = await holdsBytes(store, commitPath(version), body);
    if (held !== 'missing') return held === 'same' ? 'ours' : 'theirs';
    log.debug({ version }, 'a commit whose put failed is not there to read back; its outcome is unknown');
  } catch (error) {
    log.debug({ err: error, version }, 'could not read back a commit whose put failed; its outcome is unknown');
  }
  return 'unknown';
}

function buildCommitInfo(request: CommitRequest, previousTimestamp: number | undefined): CommitInfo {
  const now = Date.now();
  const info: CommitInfo = {};
  if (request.inCommitTimestamps === true) info.inCommitTimestamp = previousTimestamp === undefined ? now : Math.max(now, previousTimestamp + 1);
  info.timestamp = now;
  info.operation = request.operation;
  info.operationParameters = request.operationParameters;
  if (request.readVersion !== undefined) info.readVersion = request.readVersion;
  info.isolationLevel = 'WriteSerializable';
  info.isBlindAppend = request.footprint.isBlindAppend;
  if (request.operationMetrics !== undefined) info.operationMetrics = request.operationMetrics;
  info.engineInfo = ENGINE_INFO;
  return info;
}

/**
 * What the commit before ours says, read once after ours landed:
 * - `stands`: whether it is still in the log. A put-if-absent succeeds where a log cut (an
 *   erasure's zero-retention purge, an expired log's cleanup) removed the version: a writer
 *   that read the table before the cut would then "commit" into a removed version, which
 *   readers, starting from the checkpoint, never see. Its predecessor being gone (and the log
 *   not beginning there, at a checkpoint) is the sign. A lookup that fails says nothing.
 * - `followsRead`: whether ours is the very next version after the one read and that version
 *   still holds the bytes read (a table deleted and made anew at the same place does not): only
 *   then may the writer build its next snapshot in memory. False without `readDigest`.
 */
async function previousCommit(store: ObjectStore, request: CommitRequest, version: number): Promise<{ stands: boolean; followsRead: boolean }> {
  if (version === 0) return { stands: true, followsRead: false };
  const { readVersion, readDigest } = request;
  const compared = readVersion !== undefined && readDigest !== undefined && version === readVersion + 1;
  try {
    if (compared) {
      const digest = await commitDigest(store, commitPath(version - 1));
      if (digest !== undefined) return { stands: true, followsRead: digest === readDigest };
    } else if ((await store.head(commitPath(version - 1))) !== undefined) return { stands: true, followsRead: false };
    // A log may begin at a checkpoint whose commit file was cleaned up: the predecessor stands as that checkpoint.
    return { stands: (await readLastCheckpoint(store))?.version === version - 1, followsRead: false };
  } catch (error) {
    // The commit stands either way; without the answer the writer loads its next snapshot.
    log.debug({ err: error, version: version - 1 }, 'could not read back the commit before ours');
    return { stands: true, followsRead: false };
  }
}

/**
 * Take back a commit that landed behind a cut log, and fail the transaction as a conflict: the
 * writer retries from a fresh snapshot (or tells its caller), rather than acknowledging rows no
 * reader will see. Should a purge have cut the log just after a commit that did count (its
 * checkpoint holds it), the file removed is one the purge removes anyway.
 */
async function withdrawStrayCommit(store: ObjectStore, location: string, version: number): Promise<never> {
  log.warn({ table: location, version }, 'a commit landed in a version the log no longer holds (it was cut meanwhile); withdrawn');
  await store.delete(commitPath(version));
  throw new CommitConflictError(`The log of ${location} was cut past the version this transaction read; it was not committed`, {
    version,
    reason: 'LOG_CUT',
  });
}

/**
 * The commit file's modification time (a snapshot's timestamp without in-commit
 * timestamps). The commit already stands, so a failed lookup must not fail it: the
 * clock is close enough for the writer's own snapshot, and readers use the file's time.
 */
async function commitFileTime(store: ObjectStore, version: number): Promise<number> {
  try {
    return (await store.head(commitPath(version)))?.lastModified.getTime() ?? Date.now();
  } catch (error) {
    log.debug({ err: error, version }, 'could not read the commit file time; using the clock');
    return Date.now();
  }
}
