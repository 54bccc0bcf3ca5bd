import { isAquiferError } from '../errors.js';
import { digestVersion, IDEMPOTENCY_APP_PREFIX, keyReused, keyState, sameRequest } from './idempotency.js';
import type { Snapshot } from '../table/index.js';
import type { IngestTarget } from './ingest-target.js';
import type { RawRecord } from './source-position.js';
import type { GateWarning } from '../quality/index.js';
import { jobRunsObserved, withJobRun, type DatasetRef, type JobSpec } from '../observe/index.js';

/**
 * One submission (an HTTP request, a push): its records and, optionally, its idempotency
 * key with a digest of the request (see idempotency.ts): the same key with another
 * digest is refused with INGEST_IDEMPOTENCY_KEY_REUSED, never taken as a duplicate.
 */
export interface Submission {
  /** The request id its records' sources carry; clients may reuse one, so it need not be unique. */
  id: string;
  records: readonly RawRecord[];
  /** The records' bytes as received (a request body's length), for metrics. */
  bytes?: number;
  idempotencyKey?: string;
  /** The request's digest (requestDigest); without one, a keyed submission matches any earlier use of its key. */
  digest?: string;
  /**
   * The request's deadline: once aborted, the submission is refused with its reason while its
   * commit has not started (it writes nothing); after that, it finishes.
   */
  signal?: AbortSignal;
}

export interface SubmissionResult {
  accepted: number;
  quarantined: number;
  version: number;
  /** The idempotency key was already committed (earlier, or earlier in this batch): nothing was written. */
  duplicate: boolean;
  /** The quality gate's failed table-level expectations, let through (`action: warn`). */
  warnings?: GateWarning[];
}

export interface GroupCommitterOptions {
  /** At most this many records per commit. */
  maxRecords?: number;
  /**
   * Makes each commit one run of a job: the spec and the inputs for the submissions it
   * holds (the table and quarantine versions written come from the table layer). Only
   * called while someone observes runs, so the hot path builds nothing otherwise.
   */
  jobRun?: (submissions: readonly Submission[]) => { job: JobSpec; inputs: readonly DatasetRef[] };
  /** Told of each commit once it is done or has failed (the server's metrics): its record counts and time. */
  onCommit?: (outcome: CommitOutcome) => void;
}

/** One commit of a group committer, for metrics. */
export interface CommitOutcome {
  accepted: number;
  quarantined: number;
  /** The committed submissions' bytes (`Submission.bytes`); 0 for a failed commit. */
  bytes: number;
  /** From the start of the commit (idempotency keys settled, records checked and written) to its end. */
  seconds: number;
  /** Set when the commit failed and its submissions were refused. */
  failed?: boolean;
}

interface Pending {
  submission: Submission;
  resolve: (result: SubmissionResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for submissions to one table: at most one commit is in flight; whatever
 * arrives meanwhile goes into the next one. Many small requests thus share one Delta
 * commit (and one Parquet file) instead of paying for one each, and every submission
 * still learns its own counts and the version that holds it. A gated table takes one
 * submission per commit: its table-level expectations judge a request's records, so one
 * request can neither block nor excuse another's.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly target: IngestTarget,
    private readonly options: GroupCommitterOptions = {},
  ) {}

  submit(submission: Submission): Promise<SubmissionResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ submission, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        await this.commit(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private take(): Pending[] {
    const max = this.options.maxRecords ?? 100_000;
    const batch: Pending[] = [];
    let records = 0;
    // Counts come back per request id (the records' source), so two submissions with the same id never share a commit.
    const ids = new Set<string>();
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || records + (this.queue[0] as Pending).submission.records.length <= max) &&
      !ids.has((this.queue[0] as Pending).submission.id) &&
      (batch.length === 0 || !this.target.gated)
    ) {
      const next = this.queue.shift() as Pending;
      records += next.submission.records.length;
      ids.add(next.submission.id);
      batch.push(next);
    }
    return batch;
  }

  private async commit(taken: Pending[]): Promise<void> {
    const started = performance.now();
    let batch = taken.filter((p) => !abandoned(p));
    for (let attempt = 0; batch.length > 0; attempt++) {
      try {
        batch = await this.settleKeys(batch);
        if (batch.length === 0) return;
        await this.write(batch, started);
        return;
      } catch (error) {
        // A request abandoned (its deadline passed) before the commit started: the others
        // in its batch go on without it, in a new attempt.
        if (batch.some((p) => p.submission.signal?.aborted === true && p.submission.signal.reason === error)) {
          batch = batch.filter((p) => !abandoned(p));
          continue;
        }
        // Another writer (another server, another process) committed one of our keys first:
        // the next attempt reads it and answers a duplicate (same body) or a reuse (another one).
        if (attempt < MAX_KEY_RACES && (error instanceof KeyTakenMeanwhile || lostKeyRace(error, batch))) continue;
        for (const pending of batch) pending.reject(error);
        this.options.onCommit?.({ accepted: 0, quarantined: 0, bytes: 0, seconds: (performance.now() - started) / 1000, failed: true });
        return;
      }
    }
  }

  /** Resolves the batch's keyed submissions that the table already holds (or that repeat a key earlier in the batch); returns the rest. */
  private async settleKeys(batch: Pending[]): Promise<Pending[]> {
    if (!batch.some((p) => p.submission.idempotencyKey !== undefined)) return batch;
    const snapshot = await this.target.snapshot();
    // Before the table exists, a key's only trace is in the quarantine (a first request whose records were all bad).
    const remembered = snapshot ?? (await this.target.quarantineSnapshot());
    // Keys earlier in this batch, with the version (digest) each was taken for.
    const seen = new Map<string, number>();
    const fresh: Pending[] = [];
    for (const pending of batch) {
      const key = pending.submission.idempotencyKey;
      if (key === undefined) {
        fresh.push(pending);
        continue;
      }
      const version = keyVersion(pending.submission);
      const earlier = seen.get(key);
      const state = earlier === undefined ? keyState(remembered, key, version) : sameRequest(earlier, version) ? 'duplicate' : 'conflict';
      if (state === 'conflict') pending.reject(keyReused(key));
      else if (state === 'duplicate') pending.resolve({ accepted: 0, quarantined: 0, version: snapshot?.version ?? -1, duplicate: true });
      else {
        seen.set(key, version);
        fresh.push(pending);
      }
    }
    return fresh;
  }

  private async write(batch: Pending[], started: number): Promise<void> {
    // A keyed submission's records carry the key as their position: committed once, never again.
    const records = batch.flatMap((p) => {
      const key = p.submission.idempotencyKey;
      return key === undefined
        ? p.submission.records
        : p.submission.records.map((r) => ({ ...r, position: { appId: IDEMPOTENCY_APP_PREFIX + key, version: keyVersion(p.submission) } }));
    });
    const signals = batch.flatMap((p) => (p.submission.signal === undefined ? [] : [p.submission.signal]));
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);
    // The keys were checked against an earlier snapshot; one another writer committed since then is caught here, or by the commit's conflict check.
    const verify = (snapshot: Snapshot) => {
      for (const { submission } of batch)
        if (submission.idempotencyKey !== undefined && keyState(snapshot, submission.idempotencyKey, keyVersion(submission)) !== 'new')
          throw new KeyTakenMeanwhile();
    };
    const write = () => this.target.writeJson(records, [], { groupBy: 'requestId', verify, ...(signal === undefined ? {} : { signal }) });
    const describe = this.options.jobRun;
    const result =
      describe === undefined || !jobRunsObserved()
        ? await write()
        : await (() => {
            const { job, inputs } = describe(batch.map((p) => p.submission));
            return withJobRun(job, async (run) => {
              for (const input of inputs) run.input(input);
              return write();
            });
          })();
    const seconds = (performance.now() - started) / 1000;
    let accepted = 0;
    let quarantined = 0;
    let bytes = 0;
    for (const pending of batch) {
      bytes += pending.submission.bytes ?? 0;
      const counts = result.groups?.get(pending.submission.id) ?? { accepted: 0, quarantined: 0 };
      accepted += counts.accepted;
      quarantined += counts.quarantined;
      // A keyed submission whose records were all already committed (a retry racing its original) is a duplicate.
      const duplicate = pending.submission.idempotencyKey !== undefined && pending.submission.records.length > 0 && counts.accepted + counts.quarantined === 0;
      pending.resolve({ ...counts, version: result.version, duplicate, ...(result.warnings === undefined ? {} : { warnings: result.warnings }) });
    }
    // Before any submitter's continuation runs: a response already sent is already counted.
    this.options.onCommit?.({ accepted, quarantined, bytes, seconds });
  }
}

/** Another writer committed one of the batch's keys after they were checked; the batch is settled again. */
class KeyTakenMeanwhile extends Error {}

/** Races lost to other writers' keyed commits before giving up with the conflict. */
const MAX_KEY_RACES = 5;

/** Rejects a submission whose request was abandoned; true when it was. */
function abandoned(pending: Pending): boolean {
  const signal = pending.submission.signal;
  if (signal?.aborted !== true) return false;
  pending.reject(signal.reason);
  return true;
}

/** A commit conflict because another writer committed the idempotency key of one of these submissions. */
function lostKeyRace(error: unknown, batch: readonly Pending[]): boolean {
  if (!isAquiferError(error) || error.code !== 'COMMIT_CONFLICT') return false;
  const { reason, appId } = (error.value ?? {}) as { reason?: string; appId?: string };
  return (
    reason === 'CONCURRENT_TRANSACTION' &&
    batch.some((p) => p.submission.idempotencyKey !== undefined && IDEMPOTENCY_APP_PREFIX + p.submission.idempotencyKey === appId)
  );
}

/** The txn version a keyed submission commits: from its digest, or 0 (matches any body) without one. */
function keyVersion(submission: Submission): number {
  return submission.digest === undefined ? 0 : digestVersion(submission.digest);
}
