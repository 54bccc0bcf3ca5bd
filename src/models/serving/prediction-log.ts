import type { Engine } from '../../engine/index.js';
import { GroupCommitter, IngestTarget, type SubmissionResult } from '../../ingest/index.js';
import { log } from '../../log.js';
import type { Project } from '../../project/index.js';
import type { Worker } from 'node:worker_threads';
import { AquiferError } from '../../errors.js';
import { jobRunsObserved, publishJobRunEvent } from '../../observe/index.js';
import { feedbackTable } from './log-tables.js';
import { startModuleWorker } from '../../module-worker.js';
import type { FromPredictionLogWorker, PredictionAppend, PredictionLogWorkerData, ToPredictionLogWorker } from './prediction-log-messages.js';
import { PREDICTION_LINGER_MS } from './prediction-log-properties.js';
import type { PredictedRows, PredictionEntry } from './prediction-writer.js';

export type { PredictedRows, PredictionEntry } from './prediction-writer.js';

const isEntries = (rows: readonly PredictionEntry[] | PredictedRows): rows is readonly PredictionEntry[] => Array.isArray(rows);

export interface FeedbackEntry {
  requestId: string;
  rowIndex: number;
  label: unknown;
  time: Date;
}

export { PREDICTION_LINGER_MS, PREDICTION_LOG_PROPERTIES } from './prediction-log-properties.js';

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
 * How long appends wait to be handed to the log's thread together: it wakes once for the
 * requests of a few milliseconds, not for each (a wake-up per request costs the serving thread
 * a message and the cores a context switch). The commit lingers far longer anyway.
 */
const HANDOVER_MS = 5;

/** Appends waiting to be handed to a thread in one message. */
interface Outbox {
  worker: Worker;
  appends: PredictionAppend[];
  timer: NodeJS.Timeout;
}

/** An append handed to the worker and not yet heard of. */
interface PendingAppend {
  /** The thread it was handed to: only that thread's end fails it. */
  worker: Worker;
  model: string;
  requestId: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The prediction log and feedback tables of a project's models. Predictions are logged off
 * the request path: `log` hands the rows to a worker thread (prediction-log-worker.ts, with a
 * DuckDB engine of its own) and returns at once; there a group commit per model (see
 * PredictionWriter) puts the requests of a linger in one Delta commit, so no commit's work
 * runs on the serving thread. `flush` waits for every entry handed over so far, so nothing
 * the server answered is lost on a clean stop. Labels go through ingestion's group commit on
 * this thread, as any client's records do.
 */
export class PredictionLog {
  private readonly committers = new Map<string, Promise<GroupCommitter>>();
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly appends = new Map<number, PendingAppend>();
  private readonly flushes = new Map<number, { worker: Worker; resolve: () => void }>();
  /** Appends and flushes each thread has not answered yet: it is held open (ref'd) while any are. */
  private readonly waiting = new Map<Worker, number>();
  /** Appends of the last few milliseconds, not handed to the thread yet. */
  private outbox: Outbox | undefined;
  /** The model versions whose column sources the current thread was told (it keeps them). */
  private sourcesSent = new Set<string>();
  private failures = 0;

  constructor(
    private readonly project: Project,
    private readonly engine: Engine,
    private readonly options: PredictionLogOptions = {},
  ) {}

  /**
   * Append one request's rows (entries, or the rows as answered) in the background; a
   * failure is logged, never thrown at the caller already answered.
   */
  log(rows: readonly PredictionEntry[] | PredictedRows): void {
    // Kept here only until the handover (HANDOVER_MS), not until its commit (a second under load):
    // on a busy server those would be thousands of objects outliving the young generation each second.
    void this.append(rows, false);
  }

  /** Append one request's rows; resolves once they are committed, rejects if they cannot be (also logged). */
  committed(rows: readonly PredictionEntry[] | PredictedRows): Promise<void> {
    return this.append(rows, true) ?? Promise.resolve();
  }

  private append(rows: readonly PredictionEntry[] | PredictedRows, awaited: boolean): Promise<void> | undefined {
    // One request's rows come from one model version.
    const head = isEntries(rows) ? rows[0] : rows.rows.length === 0 ? undefined : rows;
    if (head === undefined) return undefined;
    const count = isEntries(rows) ? rows.length : rows.rows.length;
    this.options.observer?.answered(head.model, head.version, count);
    const id = this.nextId++;
    const worker = this.thread();
    // Owed from now on: the thread holds the process open until it answers for it.
    this.waitOn(worker, 1);
    if (this.outbox !== undefined && this.outbox.worker !== worker) this.handOver();
    if (this.outbox === undefined) {
      const outbox: Outbox = {
        worker,
        appends: [],
        timer: setTimeout(() => {
          if (this.outbox === outbox) this.handOver();
        }, HANDOVER_MS),
      };
      this.outbox = outbox;
    }
    this.outbox.appends.push({ id, rows: isEntries(rows) ? [...rows] : this.withoutSourcesSent(rows) });
    if (!awaited) return undefined;
    const done = new Promise<void>((resolve, reject) => this.appends.set(id, { worker, model: head.model, requestId: head.requestId, resolve, reject }));
    // A caller waiting for the commit is not kept waiting for the others: what is queued goes with it.
    this.handOver();
    return done;
  }

  /**
   * Post the outbox to its thread in one message. When something in it cannot be cloned (a
   * function a function model returned), each append is posted alone, so only that one fails.
   */
  private handOver(): void {
    const outbox = this.outbox;
    if (outbox === undefined) return;
    this.outbox = undefined;
    clearTimeout(outbox.timer);
    const { worker, appends } = outbox;
    const observed = jobRunsObserved();
    try {
      worker.postMessage({ kind: 'append', appends, observed } satisfies ToPredictionLogWorker);
      this.sent(worker, appends);
      return;
    } catch {
      // Told apart below, one append at a time.
    }
    for (const append of appends) {
      try {
        worker.postMessage({ kind: 'append', appends: [append], observed } satisfies ToPredictionLogWorker);
        this.sent(worker, [append]);
      } catch (error) {
        const { model, requestId } = isEntries(append.rows) ? (append.rows[0] as PredictionEntry) : append.rows;
        this.settle(
          worker,
          [append.id],
          new AquiferError('MODEL_LOG_FAILED', `A prediction of ${model} holds a value the log cannot take`, { value: { model, requestId }, cause: error }),
        );
      }
    }
  }

  /** Appends that crossed to the thread: the column sources they carried are the thread's now (if it is still the current one). */
  private sent(worker: Worker, appends: readonly PredictionAppend[]): void {
    if (worker !== this.worker) return;
    for (const { rows } of appends) if (!isEntries(rows) && rows.sources !== undefined) this.sourcesSent.add(`${rows.model}\u0000${rows.version}`);
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
    const worker = this.worker;
    if (worker === undefined) return;
    this.handOver();
    const id = this.nextId++;
    const flushed = new Promise<void>((resolve) => this.flushes.set(id, { worker, resolve }));
    this.send(worker, { kind: 'flush', id });
    await flushed;
  }

  /** Commit everything handed over, then end the worker thread (a later append starts another). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    await this.flush();
    this.worker = undefined;
    // Appends logged while the flush was awaited go ahead of `close`, whose own flush commits them.
    if (this.outbox?.worker === worker) this.handOver();
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'close' } satisfies ToPredictionLogWorker);
    worker.ref();
    await ended;
  }

  /**
   * A request's rows without the column sources of a version the thread already has: they are
   * the same for every request of that version, and cloning them each time costs the request path.
   */
  private withoutSourcesSent(rows: PredictedRows): PredictedRows {
    if (rows.sources === undefined || !this.sourcesSent.has(`${rows.model}\u0000${rows.version}`)) return rows;
    const { sources: _sent, ...rest } = rows;
    return rest;
  }

  private send(worker: Worker, message: ToPredictionLogWorker): void {
    // Held open while something waits on it, so a process does not end with a flush unheard of.
    this.waitOn(worker, 1);
    worker.postMessage(message);
  }

  /** Count what a thread owes an answer for; it holds the process open while it owes any. */
  private waitOn(worker: Worker, change: number): void {
    const count = (this.waiting.get(worker) ?? 0) + change;
    if (count > 0 && count - change <= 0) worker.ref();
    if (count <= 0) {
      this.waiting.delete(worker);
      worker.unref();
    } else this.waiting.set(worker, count);
  }

  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    const data: PredictionLogWorkerData = { projectRoot: this.project.root, lingerMs: this.options.lingerMs ?? PREDICTION_LINGER_MS };
    const worker = startModuleWorker(new URL('./prediction-log-worker.js', import.meta.url), data);
    worker.on('message', (message: FromPredictionLogWorker) => this.heard(worker, message));
    // A worker that died (out of memory, a bug) fails what it held, and only that; the next append starts a new one.
    const lost = (error: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      // Appends not handed over yet are owed by this thread too: failed below with the rest.
      if (this.outbox?.worker === worker) {
        clearTimeout(this.outbox.timer);
        this.outbox = undefined;
      }
      for (const [id, pending] of this.flushes)
        if (pending.worker === worker) {
          this.flushes.delete(id);
          this.waitOn(worker, -1);
          pending.resolve();
        }
      const awaited = [...this.appends].filter(([, pending]) => pending.worker === worker).map(([id]) => id);
      this.settle(worker, awaited, error);
      // What is left owed are appends handed over by `log`, known only by their number.
      const unheard = this.waiting.get(worker) ?? 0;
      if (unheard > 0) this.failedUnawaited(worker, unheard, error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new AquiferError('MODEL_LOG_FAILED', `The prediction log's worker thread stopped (exit code ${code})`, { value: code })));
    this.worker = worker;
    this.sourcesSent = new Set();
    return worker;
  }

  private heard(worker: Worker, message: FromPredictionLogWorker): void {
    switch (message.kind) {
      case 'appended':
        this.settle(worker, message.ids);
        break;
      case 'append-failed': {
        const error = new AquiferError('MODEL_LOG_FAILED', `The prediction log of ${message.model} could not commit: ${message.error.message}`, {
          value: { model: message.model, ...(message.error.code === undefined ? {} : { code: message.error.code }) },
          hint: 'The server log has the cause (a full disk, a table another writer broke); later predictions are tried again.',
        });
        this.options.observer?.failed(message.model);
        this.settle(worker, message.ids, error);
        break;
      }
      case 'committed':
        this.options.observer?.committed(message.model, message.rows, message.seconds);
        break;
      case 'flushed': {
        const flush = this.flushes.get(message.id);
        if (flush === undefined) break;
        this.flushes.delete(message.id);
        this.waitOn(worker, -1);
        flush.resolve();
        break;
      }
      case 'job-run':
        publishJobRunEvent(message.event);
        break;
    }
  }

  /**
   * The thread answered for these appends: resolve (or, with an error, reject, count and log)
   * those a caller awaits; the others (`log`'s) are only counted, and a failure logged once.
   */
  private settle(worker: Worker, ids: readonly number[], error?: unknown): void {
    let unawaited = 0;
    for (const id of ids) {
      const pending = this.appends.get(id);
      if (pending === undefined) {
        unawaited++;
        continue;
      }
      this.appends.delete(id);
      this.waitOn(worker, -1);
      if (error === undefined) {
        pending.resolve();
        continue;
      }
      this.failures++;
      log.error({ err: error, model: pending.model, requestId: pending.requestId }, 'prediction log append failed');
      pending.reject(error);
    }
    if (unawaited === 0) return;
    if (error === undefined) this.waitOn(worker, -unawaited);
    else this.failedUnawaited(worker, unawaited, error);
  }

  /** Appends handed over by `log` that will never be committed: counted and logged (once for them all). */
  private failedUnawaited(worker: Worker, appends: number, error: unknown): void {
    this.waitOn(worker, -appends);
    this.failures += appends;
    log.error({ err: error, appends }, 'prediction log appends failed');
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
