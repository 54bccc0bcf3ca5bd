import type { Engine } from '../../engine/index.js';
import { GroupCommitter, IngestTarget, type RawRecord, type Submission, type SubmissionResult } from '../../ingest/index.js';
import { log } from '../../log.js';
import type { Project } from '../../project/index.js';
import { feedbackTable, predictionsTable } from './log-tables.js';
import { jobRunsObserved, withJobRun, type DatasetRef } from '../../observe/index.js';
import { modelDataset } from '../training/job-datasets.js';

/** One answered row: what was asked, what the model read and what it said. */
export interface PredictionEntry {
  requestId: string;
  /** The row's place in its request. */
  rowIndex: number;
  time: Date;
  model: string;
  version: string;
  entities: Record<string, unknown>;
  features: Record<string, unknown>;
  prediction: unknown;
  outputs: Record<string, unknown>;
}

export interface FeedbackEntry {
  requestId: string;
  rowIndex: number;
  label: unknown;
  time: Date;
}

/**
 * The prediction log and feedback tables of a project's models: Delta tables appended
 * through ingestion's group commit, so concurrent requests share commits. Predictions are
 * logged off the request path (`log` returns at once) and `flush` waits for every one
 * handed over so far: the server flushes on close, so nothing it answered is lost on a
 * clean stop. Entity keys, features, predictions and labels are kept as JSON text, so one
 * table holds any model's values whatever their types.
 */
export class PredictionLog {
  private readonly committers = new Map<string, Promise<GroupCommitter>>();
  private readonly pending = new Set<Promise<unknown>>();
  private failures = 0;
  /** The model versions each logged submission answered with, kept only while someone observes job runs. */
  private readonly answered = new WeakMap<Submission, { model: string; versions: string[] }>();

  constructor(
    private readonly project: Project,
    private readonly engine: Engine,
  ) {}

  /** Append the entries of one request in the background; a failure is logged, never thrown at the caller already answered. */
  log(entries: readonly PredictionEntry[]): void {
    void this.append(entries).catch(() => undefined);
  }

  /** Append the entries of one request; resolves once they are committed, rejects if they cannot be (also logged). */
  committed(entries: readonly PredictionEntry[]): Promise<void> {
    return this.append(entries);
  }

  private append(entries: readonly PredictionEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const first = entries[0] as PredictionEntry;
    const records = entries.map((e, index) => ({
      payload: JSON.stringify({
        request_id: e.requestId,
        row_index: e.rowIndex,
        time: e.time.toISOString(),
        model: e.model,
        version: e.version,
        entities: JSON.stringify(e.entities),
        features: JSON.stringify(e.features),
        prediction: JSON.stringify(e.prediction ?? null),
        outputs: JSON.stringify(e.outputs),
      }),
      source: { kind: 'http' as const, requestId: e.requestId, index },
    }));
    const submission: Submission = { id: first.requestId, records };
    // The hot path: nothing for lineage is built unless someone listens.
    if (jobRunsObserved()) this.answered.set(submission, { model: first.model, versions: [...new Set(entries.map((e) => e.version))] });
    // Async, so a table name that does not fit rejects like any failed append (never throws at the caller).
    const committed = (async () => {
      await (await this.committer(predictionsTable(first.model))).submit(submission);
    })();
    const done = committed.catch((error: unknown) => {
      this.failures++;
      log.error({ err: error, model: first.model, requestId: first.requestId }, 'prediction log append failed');
    });
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
    return committed;
  }

  /** Append labels for earlier predictions; resolves once they are committed. */
  async feedback(model: string, requestId: string, entries: readonly FeedbackEntry[]): Promise<SubmissionResult> {
    const records = entries.map((e, index) => ({
      payload: JSON.stringify({ request_id: e.requestId, row_index: e.rowIndex, label: JSON.stringify(e.label ?? null), time: e.time.toISOString() }),
      source: { kind: 'http' as const, requestId, index },
    }));
    return this.submit(feedbackTable(model), requestId, records);
  }

  /** Appends that failed since the log was made (each one is also in the server's log). */
  get failed(): number {
    return this.failures;
  }

  /** Wait until every entry handed to `log` so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * A commit of predictions as a run of `models.predict.<model>`: the model versions that
   * answered are its inputs, the predictions table version (reported by the table) its output.
   * Feedback commits, and commits nobody observes, are no run.
   */
  private async predictionRun(submissions: readonly Submission[], commit: () => Promise<void>): Promise<void> {
    if (!jobRunsObserved()) return commit();
    const answered = submissions.map((s) => this.answered.get(s)).filter((a) => a !== undefined);
    const model = answered[0]?.model;
    if (model === undefined) return commit();
    const inputs = new Map<string, DatasetRef>();
    for (const { versions } of answered) for (const version of versions) inputs.set(version, modelDataset(this.project.config.name, model, version));
    return withJobRun({ name: `models.predict.${model}`, type: 'PREDICT', processing: 'STREAMING', project: this.project.root }, async (run) => {
      for (const input of inputs.values()) run.input(input);
      await commit();
    });
  }

  private async submit(table: string, id: string, records: RawRecord[]): Promise<SubmissionResult> {
    return (await this.committer(table)).submit({ id, records });
  }

  private committer(table: string): Promise<GroupCommitter> {
    let found = this.committers.get(table);
    if (found === undefined) {
      found = IngestTarget.open(this.project.tablePath(table), { engine: this.engine, createIfMissing: {}, stores: this.project.stores }).then(
        (target) => new GroupCommitter(target, { around: (submissions, commit) => this.predictionRun(submissions, commit) }),
      );
      this.committers.set(table, found);
      found.catch(() => this.committers.delete(table));
    }
    return found;
  }
}
