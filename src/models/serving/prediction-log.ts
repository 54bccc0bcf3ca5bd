import type { Engine } from '../../engine/index.js';
import { GroupCommitter, IngestTarget, type SubmissionResult } from '../../ingest/index.js';
import { log } from '../../log.js';
import type { Project } from '../../project/index.js';
import { openOrCreateTable, TableOnFirstUse } from '../../table/index.js';
import { feedbackTable, predictionsTable } from './log-tables.js';
import { jobRunsObserved, withJobRun, type DatasetRef } from '../../observe/index.js';
import { modelDataset } from '../training/job-datasets.js';
import { PREDICTIONS_SCHEMA, PredictionWriter, type PredictionEntry } from './prediction-writer.js';

export type { PredictionEntry } from './prediction-writer.js';

export interface FeedbackEntry {
  requestId: string;
  rowIndex: number;
  label: unknown;
  time: Date;
}

/** How long logged predictions wait for more before they are committed together, when the response does not wait for the commit. */
export const PREDICTION_LINGER_MS = 1000;

/**
 * A prediction log commits about once a second for as long as the server answers, and its
 * compactions remove what those commits added: at Delta's defaults (a checkpoint every 10
 * commits, removed files kept as tombstones for 7 days) every checkpoint would rewrite a
 * week of tombstones, ~600,000 at one commit a second, every 10 seconds. A checkpoint every 100
 * commits, and tombstones kept a day (vacuum keeps what a day-old reader needs), bound both.
 */
export const PREDICTION_LOG_PROPERTIES: Readonly<Record<string, string>> = {
  'delta.checkpointInterval': '100',
  'delta.deletedFileRetentionDuration': 'interval 1 days',
};

export interface PredictionLogOptions {
  /**
   * How long the first prediction of a commit waits for more (PREDICTION_LINGER_MS by
   * default). 0 commits at once, grouping only what arrives while a commit runs: for
   * callers that wait for the commit (`committed`).
   */
  lingerMs?: number;
  /** Told of every row answered and every commit of the log (the server's metrics). */
  observer?: PredictionLogObserver;
}

/** What the prediction log tells an observer; each call is cheap and synchronous. */
export interface PredictionLogObserver {
  /** A request's rows, handed to the log. */
  answered(model: string, version: string, rows: number): void;
  /** A commit of the log: its rows and how long it took (without the linger before it). */
  committed(model: string, rows: number, seconds: number): void;
  /** A commit that failed: its rows were answered but are not in the log. */
  failed(model: string): void;
}

/**
 * The prediction log and feedback tables of a project's models. Predictions are logged off
 * the request path (`log` returns at once) through a group commit of their own (see
 * PredictionWriter): requests share one Delta commit, and `flush` waits for every entry
 * handed over so far, so nothing the server answered is lost on a clean stop. Labels go
 * through ingestion's group commit, as any client's records do.
 */
export class PredictionLog {
  private readonly writers = new Map<string, PredictionWriter>();
  private readonly committers = new Map<string, Promise<GroupCommitter>>();
  private readonly pending = new Set<Promise<unknown>>();
  private failures = 0;

  constructor(
    private readonly project: Project,
    private readonly engine: Engine,
    private readonly options: PredictionLogOptions = {},
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
    // One request's rows come from one model version.
    this.options.observer?.answered(first.model, first.version, entries.length);
    const committed = this.writer(first.model).add(entries);
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
    return (await this.committer(feedbackTable(model))).submit({ id: requestId, records });
  }

  /** Appends that failed since the log was made (each one is also in the server's log). */
  get failed(): number {
    return this.failures;
  }

  /** Wait until every entry handed to `log` so far is committed (or has failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.writers.values()].map((writer) => writer.flush()));
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * A commit of predictions as a run of `models.predict.<model>`: the model versions that
   * answered are its inputs, the predictions table version (reported by the table) its output.
   * Commits nobody observes are no run.
   */
  private async predictionRun(entries: readonly PredictionEntry[], commit: () => Promise<void>): Promise<void> {
    const model = entries[0]?.model;
    if (!jobRunsObserved() || model === undefined) return commit();
    const inputs = new Map<string, DatasetRef>();
    for (const { version } of entries) if (!inputs.has(version)) inputs.set(version, modelDataset(this.project.config.name, model, version));
    return withJobRun({ name: `models.predict.${model}`, type: 'PREDICT', processing: 'STREAMING', project: this.project.root }, async (run) => {
      for (const input of inputs.values()) run.input(input);
      await commit();
    });
  }

  /** A commit of the log, timed for the observer. */
  private async observedCommit(model: string, entries: readonly PredictionEntry[], commit: () => Promise<void>): Promise<void> {
    const observer = this.options.observer;
    if (observer === undefined) return this.predictionRun(entries, commit);
    const started = performance.now();
    try {
      await this.predictionRun(entries, commit);
    } catch (error) {
      observer.failed(model);
      throw error;
    }
    observer.committed(model, entries.length, (performance.now() - started) / 1000);
  }

  private writer(model: string): PredictionWriter {
    const table = predictionsTable(model);
    let found = this.writers.get(table);
    if (found === undefined) {
      const opened = new TableOnFirstUse(() =>
        openOrCreateTable(this.project.tablePath(table, { internal: true }), this.engine, PREDICTIONS_SCHEMA, {
          stores: this.project.stores,
          description: 'Every prediction the model answered: request, entity keys, features, prediction and outputs',
          properties: PREDICTION_LOG_PROPERTIES,
        }),
      );
      found = new PredictionWriter(() => opened.get(), this.engine, {
        lingerMs: this.options.lingerMs ?? PREDICTION_LINGER_MS,
        around: (entries, commit) => this.observedCommit(model, entries, commit),
        // A commit every linger under load: its small files are compacted as it goes, so its files
        // (and checkpoints) stay few; beside the commits, so no response waits for a compaction.
        afterCommit: async () => {
          try {
            await (await opened.get()).compactSmallFiles();
          } catch (error) {
            log.warn({ err: error, table }, 'compacting the prediction log failed; it is tried again after a later commit');
          }
        },
      });
      this.writers.set(table, found);
    }
    return found;
  }

  private committer(table: string): Promise<GroupCommitter> {
    let found = this.committers.get(table);
    if (found === undefined) {
      found = IngestTarget.open(this.project.tablePath(table, { internal: true }), {
        engine: this.engine,
        createIfMissing: {},
        stores: this.project.stores,
      }).then((target) => new GroupCommitter(target));
      this.committers.set(table, found);
      found.catch(() => this.committers.delete(table));
    }
    return found;
  }
}
