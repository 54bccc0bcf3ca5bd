import type { IngestTarget } from './ingest-target.js';
import type { RawRecord } from './source-position.js';

/** One submission (an HTTP request, a push): its records and, optionally, its idempotency key. */
export interface Submission {
  id: string;
  records: readonly RawRecord[];
  idempotencyKey?: string;
}

export interface SubmissionResult {
  accepted: number;
  quarantined: number;
  version: number;
  /** The idempotency key was already committed (earlier, or earlier in this batch): nothing was written. */
  duplicate: boolean;
}

interface Pending {
  submission: Submission;
  resolve: (result: SubmissionResult) => void;
  reject: (error: unknown) => void;
}

/** Idempotency keys are remembered as txn actions in the table's log: appId `aquifer.http:<key>`. */
export const IDEMPOTENCY_APP_PREFIX = 'aquifer.http:';

/**
 * Group commit for submissions to one table: at most one commit is in flight; whatever
 * arrives meanwhile goes into the next one. Many small requests thus share one Delta
 * commit (and one Parquet file) instead of paying for one each, and every submission
 * still learns its own counts and the version that holds it.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly target: IngestTarget,
    private readonly options: { maxRecords?: number } = {},
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
    while (this.queue.length > 0 && (batch.length === 0 || records + (this.queue[0] as Pending).submission.records.length <= max)) {
      const next = this.queue.shift() as Pending;
      records += next.submission.records.length;
      batch.push(next);
    }
    return batch;
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const snapshot = await this.target.snapshot();
      const seen = new Set<string>();
      const fresh: Pending[] = [];
      for (const pending of batch) {
        const key = pending.submission.idempotencyKey;
        if (key !== undefined && (seen.has(key) || snapshot?.txnVersion(IDEMPOTENCY_APP_PREFIX + key) !== undefined)) {
          pending.resolve({ accepted: 0, quarantined: 0, version: snapshot?.version ?? -1, duplicate: true });
          continue;
        }
        if (key !== undefined) seen.add(key);
        fresh.push(pending);
      }
      if (fresh.length === 0) return;
      // A keyed submission's records carry the key as their position: committed once, never again.
      const records = fresh.flatMap((p) => {
        const key = p.submission.idempotencyKey;
        return key === undefined ? p.submission.records : p.submission.records.map((r) => ({ ...r, position: { appId: IDEMPOTENCY_APP_PREFIX + key, version: 0 } }));
      });
      const result = await this.target.writeJson(records, [], { groupBy: 'requestId' });
      for (const pending of fresh) {
        const counts = result.groups?.get(pending.submission.id) ?? { accepted: 0, quarantined: 0 };
        // A keyed submission whose records were all already committed (a retry racing its original) is a duplicate.
        const duplicate = pending.submission.idempotencyKey !== undefined && pending.submission.records.length > 0 && counts.accepted + counts.quarantined === 0;
        pending.resolve({ ...counts, version: result.version, duplicate });
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
