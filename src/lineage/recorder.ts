import path from 'node:path';
import { AppendThread, type Appender } from '../append-thread.js';
import type { Engine } from '../engine/index.js';
import { AquiferError } from '../errors.js';
import { log } from '../log.js';
import { onJobRun, tableDataset, type DatasetRef, type JobRunEvent } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { SharedByKey } from '../shared-by-key.js';
import { HttpLineageSink, type HttpSinkOptions } from './http-sink.js';
import { LineageLog } from './lineage-log.js';
import type { OpenLineageRunEvent } from './openlineage.js';
import { toRunEvent } from './run-event.js';

export interface RecordLineageOptions {
  /** Overrides of the HTTP sender's settings (tests shorten the retry waits). */
  http?: Partial<Pick<HttpSinkOptions, 'retryDelayMs' | 'resumeAfterMs' | 'maxAttempts' | 'timeoutMs'>>;
  /**
   * Write the log from a worker thread with an engine of its own (a server: its commits never
   * hold the event loop that answers requests). A command writes it in-process.
   */
  logInThread?: boolean;
}

/** A project's lineage being recorded: run events logged (and sent) in the background. */
export interface LineageRecorder {
  /** Wait until every run event published so far is in the log and, with an HTTP endpoint, sent or left spooled after retries. */
  flush(): Promise<void>;
  /** Stop recording after a last flush; unsent events stay spooled for the next process. */
  close(): Promise<void>;
}

/** How long queued run events wait for more before they are written as one commit of the log. */
const LINGER_MS = 250;

/** Events held in memory while the log cannot take them; past this the oldest are given up. */
const MAX_UNLOGGED_EVENTS = 100_000;

/** Where the HTTP sender's events wait (`.aquifer/lineage-spool`). */
export function lineageSpoolDir(project: Project): string {
  return path.join(project.root, '.aquifer', 'lineage-spool');
}

/** The project's job namespace: `lineage.namespace`, else the project's name. */
export function lineageNamespace(project: Project): string {
  return project.config.lineage?.namespace ?? project.config.name;
}

const disabled: LineageRecorder = { flush: async () => undefined, close: async () => undefined };

/**
 * Record every job run of the project as OpenLineage run events: in its lineage log and,
 * when `lineage.http` says so, at an OpenLineage endpoint. The listener only queues: events
 * are converted and written by one writer off the job's path, so no job waits for lineage.
 * `engine` may be a function, so a command that runs no job never starts one.
 */
export function recordLineage(project: Project, engine: Engine | (() => Promise<Engine>), options: RecordLineageOptions = {}): LineageRecorder {
  if (project.config.lineage?.enabled === false) return disabled;
  // One recorder per project in a process (a CLI command that starts the server records through both): two would log every event twice.
  const {
    value: recorder,
    flush,
    close,
  } = recording.acquire(project.root, () => new Recorder(project, typeof engine === 'function' ? engine : async () => engine, options));
  // A command that starts a server records through both: the server's wish for a thread holds from then on.
  if (options.logInThread === true) recorder.logInThread();
  return { flush, close };
}

const recording = new SharedByKey<Recorder>();

/** The dataset namespaces and name prefixes that are the project's: its tables root and its logical datasets. */
function projectScope(project: Project): (dataset: DatasetRef) => boolean {
  const storage = project.config.backends.tableStorage;
  const tables = tableDataset(storage === 'local' ? path.join(project.root, 'tables') : storage.root);
  const logical = `aquifer://${project.config.name}`;
  return (dataset) =>
    dataset.namespace === logical ||
    (dataset.namespace === tables.namespace && (tables.name === '' || dataset.name === tables.name || dataset.name.startsWith(`${tables.name}/`)));
}

class Recorder implements LineageRecorder {
  private readonly queue: JobRunEvent[] = [];
  /** Runs known to be the project's, and the events of runs not yet known to be (a START before anything was read or written). */
  private readonly ours = new Set<string>();
  private readonly undecided = new Map<string, JobRunEvent[]>();
  private writing: Promise<void> | undefined;
  private readonly unsubscribe: () => void;
  private opened: Promise<Appender<OpenLineageRunEvent>> | undefined;
  private inThread: boolean;
  private readonly sink: HttpLineageSink | undefined;
  private readonly namespace: string;
  private readonly inScope: (dataset: DatasetRef) => boolean;
  private closed = false;
  /** Flushes in progress: while one waits, queued events are written at once. */
  private flushing = 0;
  /** Ends the current linger early. */
  private wake: (() => void) | undefined;
  /** Events converted but not yet in the log (its last append failed), oldest first. */
  private readonly unlogged: OpenLineageRunEvent[] = [];
  private failedWrites = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly project: Project,
    private readonly engine: () => Promise<Engine>,
    options: RecordLineageOptions,
  ) {
    this.namespace = lineageNamespace(project);
    this.inThread = options.logInThread === true;
    this.inScope = projectScope(project);
    this.sink = httpSink(project, options);
    this.sink?.start();
    this.unsubscribe = onJobRun((event) => {
      this.queue.push(event);
      this.schedule();
    });
  }

  /** Write the log from a worker thread from now on (when it is not open in-process already). */
  logInThread(): void {
    this.inThread = true;
  }

  async flush(): Promise<void> {
    this.flushing++;
    try {
      // A commit outside any run publishes its run's COMPLETE a few ticks after the commit returns.
      await new Promise((resolve) => setImmediate(resolve));
      // Events a failed append left are tried once more, not until the log takes them.
      let retried = this.unlogged.length === 0;
      while (this.writing !== undefined || this.queue.length > 0 || !retried) {
        if (this.writing === undefined && this.queue.length === 0) retried = true;
        this.schedule();
        this.wake?.();
        await this.writing;
      }
      await this.sink?.flush();
    } finally {
      this.flushing--;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
      if (this.unlogged.length > 0)
        log.error({ project: this.project.root, lost: this.unlogged.length }, 'lineage: events the log never took are lost as the recorder closes');
      this.unsubscribe();
      await this.sink?.close();
      await (await this.opened?.catch(() => undefined))?.close();
    }
  }

  /**
   * Write what is queued after a short wait (LINGER_MS), so a busy server's runs share one log
   * commit instead of each paying for one; a flush cuts the wait short.
   */
  private schedule(): void {
    if (this.writing !== undefined) return;
    this.writing = new Promise<void>((resolve) => {
      if (this.flushing > 0) {
        setImmediate(resolve);
        return;
      }
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, LINGER_MS);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    })
      .then(() => this.write())
      .catch((error: unknown) => log.warn({ err: error, project: this.project.root }, 'lineage: events could not be logged'))
      .finally(() => {
        this.writing = undefined;
        if (this.queue.length > 0) this.schedule();
      });
  }

  /**
   * Everything queued, as one batch: the project's runs converted, logged in one commit, then
   * spooled for the endpoint. A batch the log cannot take (a full disk, a broken table) is
   * kept, ahead of what comes next, and tried again: after a wait that grows, at the next
   * write, and at the last flush. Only past MAX_UNLOGGED_EVENTS are the oldest given up, logged as an error.
   */
  private async write(): Promise<void> {
    const batch = this.queue.splice(0, this.queue.length);
    const events: OpenLineageRunEvent[] = this.unlogged.splice(0, this.unlogged.length);
    for (const event of batch) for (const kept of this.keep(event)) events.push(toRunEvent(kept, { namespace: this.namespace }));
    if (events.length === 0) return;
    try {
      await (await this.lineageLog()).append(events);
      this.failedWrites = 0;
    } catch (error) {
      const dropped = Math.max(0, events.length - MAX_UNLOGGED_EVENTS);
      this.unlogged.push(...events.slice(dropped));
      this.failedWrites++;
      if (dropped > 0)
        log.error(
          { err: error, project: this.project.root, dropped },
          'lineage: the log kept failing; the oldest events that could not be logged are given up',
        );
      else log.warn({ err: error, project: this.project.root, waiting: this.unlogged.length }, 'lineage: events could not be logged yet; trying again');
      if (!this.closed && this.flushing === 0) this.retryLater();
      return;
    }
    await this.sink?.enqueue(events.map((e) => JSON.stringify(e)));
  }

  /** Another write after a failed one, sooner at first (1 s, doubling, at most 30 s). */
  private retryLater(): void {
    if (this.retryTimer !== undefined) return;
    const delay = Math.min(30_000, 1_000 * 2 ** Math.min(5, this.failedWrites - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, delay);
    // Waiting to retry must not keep a finished command alive; its close flushes once more.
    this.retryTimer.unref();
  }

  /** Opened on first use: a command whose work publishes nothing pays for no engine (nor thread). */
  private lineageLog(): Promise<Appender<OpenLineageRunEvent>> {
    this.opened ??= this.inThread
      ? Promise.resolve(
          new AppendThread<OpenLineageRunEvent>(
            new URL('./lineage-log-worker.js', import.meta.url),
            { projectRoot: this.project.root },
            'LINEAGE_LOG_FAILED',
            'lineage log',
          ),
        )
      : this.engine().then((engine) => {
          const lineage = LineageLog.forProject(this.project, engine);
          return { append: (events) => lineage.append(events), close: async () => undefined };
        });
    return this.opened;
  }

  /** The events of the project's runs to write now, in order; a run not known to be the project's waits until it ends. */
  private keep(event: JobRunEvent): JobRunEvent[] {
    const ended = event.state === 'COMPLETE' || event.state === 'FAIL' || event.state === 'ABORT';
    if (this.ours.has(event.runId)) {
      if (ended) this.ours.delete(event.runId);
      return [event];
    }
    const waiting = [...(this.undecided.get(event.runId) ?? []), event];
    const belongs =
      event.job.project === this.project.root ||
      (event.parent !== undefined && this.ours.has(event.parent.runId)) ||
      event.inputs.some(this.inScope) ||
      event.outputs.some(this.inScope);
    if (belongs) {
      this.undecided.delete(event.runId);
      if (!ended) this.ours.add(event.runId);
      return waiting;
    }
    if (ended) this.undecided.delete(event.runId);
    else this.undecided.set(event.runId, waiting);
    return [];
  }
}

function httpSink(project: Project, options: RecordLineageOptions): HttpLineageSink | undefined {
  const http = project.config.lineage?.http;
  if (http === undefined) return undefined;
  let apiKey: string | undefined;
  if (http.apiKeyEnv !== undefined) {
    apiKey = process.env[http.apiKeyEnv];
    if (apiKey === undefined || apiKey === '')
      throw new AquiferError('LINEAGE_API_KEY_MISSING', `lineage.http.apiKeyEnv names ${http.apiKeyEnv}, which is not set`, {
        value: http.apiKeyEnv,
        hint: `Set ${http.apiKeyEnv} to the endpoint's API key, or remove apiKeyEnv from aquifer.json.`,
      });
  }
  const settings: HttpSinkOptions = { url: http.url, spoolDir: lineageSpoolDir(project), ...options.http };
  if (http.endpoint !== undefined) settings.endpoint = http.endpoint;
  if (apiKey !== undefined) settings.apiKey = apiKey;
  if (http.timeoutMs !== undefined && options.http?.timeoutMs === undefined) settings.timeoutMs = http.timeoutMs;
  if (http.maxAttempts !== undefined && options.http?.maxAttempts === undefined) settings.maxAttempts = http.maxAttempts;
  return new HttpLineageSink(settings);
}
