import path from 'node:path';
import { AppendThread, type Appender } from '../append-thread.js';
import type { Engine } from '../engine/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { SharedByKey } from '../shared-by-key.js';
import type { AuditEntry } from './audit-entry.js';
import { AuditLog } from './audit-log.js';

/** A project's audit entries being recorded: queued by the caller, committed in batches off its path. */
export interface AuditRecorder {
  /** Whether entries are kept at all (`audit.enabled: false` turns the log off). */
  readonly enabled: boolean;
  /** Queue an entry; it is committed with the others that arrive within the linger. */
  record(entry: AuditEntry): void;
  /** Wait until every entry recorded so far is in the log (or, after a failure, still held for the next try). */
  flush(): Promise<void>;
  /** A last flush, then stop. */
  close(): Promise<void>;
}

/**
 * How long queued entries wait for more before they are committed together: a busy server pays
 * one commit a second, not one per request (as the prediction log does, PREDICTION_LINGER_MS).
 */
const LINGER_MS = 1000;
/** Entries held while the log cannot take them; past this the oldest are given up (and said so in the log). */
const MAX_HELD_ENTRIES = 100_000;

const disabled: AuditRecorder = { enabled: false, record: () => undefined, flush: async () => undefined, close: async () => undefined };

/** Whether the project keeps an audit log: on unless `audit.enabled` is false. */
export function auditEnabled(project: Project): boolean {
  return project.config.audit?.enabled !== false;
}

export interface RecordAuditOptions {
  /**
   * Write the log from a worker thread with an engine of its own (a server: its commits never
   * hold the event loop that answers requests). A command writes it in-process.
   */
  logInThread?: boolean;
}

/**
 * Record audit entries in the project's log. One recorder per project in a process (a
 * command that starts the server records through both), each user closing its own handle;
 * `engine` may be a function, so a command that records nothing starts no engine.
 */
export function recordAudit(project: Project, engine: Engine | (() => Promise<Engine>), options: RecordAuditOptions = {}): AuditRecorder {
  if (!auditEnabled(project)) return disabled;
  const {
    value: recorder,
    flush,
    close,
  } = recording.acquire(project.root, () => new Recorder(project, typeof engine === 'function' ? engine : async () => engine));
  // A command that starts a server records through both: the server's wish for a thread holds from then on.
  if (options.logInThread === true) recorder.logInThread();
  return { enabled: true, record: (entry) => recorder.record(entry), flush, close };
}

const recording = new SharedByKey<Recorder>();

class Recorder {
  private readonly queue: AuditEntry[] = [];
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private opened: Promise<Appender<AuditEntry>> | undefined;
  private inThread = false;

  constructor(
    private readonly project: Project,
    private readonly engine: () => Promise<Engine>,
  ) {}

  /** Write the log from a worker thread from now on (when it is not open in-process already). */
  logInThread(): void {
    this.inThread = true;
  }

  record(entry: AuditEntry): void {
    this.queue.push(entry);
    if (this.queue.length > MAX_HELD_ENTRIES) {
      const dropped = this.queue.splice(0, this.queue.length - MAX_HELD_ENTRIES).length;
      log.error({ project: this.project.root, dropped }, 'audit: the log kept failing; the oldest entries are given up');
    }
    if (this.writing === undefined) this.arm();
  }

  /** Commit the queue after the linger, unless a commit is already due. */
  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, LINGER_MS);
    // A pending batch must not keep a finished command alive: its close flushes.
    this.timer.unref();
  }

  /** Commit what is queued now (the linger cut short), waiting for a commit in progress first; a failed commit is tried once more. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.writing;
    if (this.queue.length > 0) await this.write();
  }

  async close(): Promise<void> {
    try {
      await this.flush();
      if (this.queue.length > 0)
        log.error({ project: this.project.root, lost: this.queue.length }, 'audit: entries the log never took are lost as the recorder closes');
    } finally {
      await (await this.opened?.catch(() => undefined))?.close();
    }
  }

  /** One commit of everything queued; on failure the batch goes back ahead of what came since. */
  private write(): Promise<void> {
    if (this.writing !== undefined) return this.writing;
    this.writing = (async () => {
      const batch = this.queue.splice(0, this.queue.length);
      if (batch.length === 0) return true;
      try {
        await (await this.log()).append(batch);
        return true;
      } catch (error) {
        this.queue.unshift(...batch);
        log.warn({ err: error, project: this.project.root, waiting: this.queue.length }, 'audit: entries could not be logged yet');
        return false;
      }
    })().then((written) => {
      this.writing = undefined;
      // Entries that arrived during the commit wait for the next; after a failure, for the next entry or flush.
      if (written && this.queue.length > 0) this.arm();
    });
    return this.writing;
  }

  private log(): Promise<Appender<AuditEntry>> {
    this.opened ??= this.inThread
      ? Promise.resolve(
          new AppendThread<AuditEntry>(new URL('./audit-log-worker.js', import.meta.url), { projectRoot: this.project.root }, 'AUDIT_LOG_FAILED', 'audit log'),
        )
      : this.engine().then((engine) => {
          const audit = AuditLog.forProject(this.project, engine);
          return { append: (entries) => audit.append(entries), close: async () => undefined };
        });
    return this.opened;
  }
}

/** A table location as the audit log names it: a project table's name, a path inside the project relative to it, else the location. */
export function auditTableName(project: Project, location: string): string {
  const name = project.tableNameAt(location);
  if (name !== undefined) return name;
  const normalized = location.replace(/\/+$/, '');
  if (project.config.backends.tableStorage === 'local' && normalized.startsWith(`${project.root}/`)) return path.relative(project.root, normalized);
  return normalized;
}
