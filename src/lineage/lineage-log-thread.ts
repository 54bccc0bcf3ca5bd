import type { Worker } from 'node:worker_threads';
import { AquiferError } from '../errors.js';
import { startModuleWorker } from '../module-worker.js';
import type { Project } from '../project/index.js';
import type { FromLineageLogWorker, LineageLogWorkerData, ToLineageLogWorker } from './lineage-log-messages.js';
import type { OpenLineageRunEvent } from './openlineage.js';

/** What a recorder appends to: the log itself, or the log through a thread of its own. */
export interface LineageAppender {
  append(events: readonly OpenLineageRunEvent[]): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The project's lineage log, written by a worker thread (src/lineage/lineage-log-worker.ts)
 * with a DuckDB engine of its own: a server's event loop hands events over and hears back
 * when they are committed. The thread starts on the first append; one that dies fails what
 * it held, and the next append starts another.
 */
export class LineageLogThread implements LineageAppender {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending & { worker: Worker }>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly project: Project) {}

  append(events: readonly OpenLineageRunEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new AquiferError('LINEAGE_LOG_FAILED', 'The lineage log writer is closed', { value: events.length }));
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      // Held open while an append waits, so a process does not end with events unheard of.
      worker.ref();
      this.send(worker, { kind: 'append', id, events: [...events] });
    });
  }

  /** Let the thread finish what it holds, close its engine and end. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    this.send(worker, { kind: 'close' });
    await exited;
  }

  private send(worker: Worker, message: ToLineageLogWorker): void {
    try {
      worker.postMessage(message);
    } catch (error) {
      // Events that cannot be cloned (they are plain JSON, so this is a bug) fail their own append only.
      if (message.kind === 'append') this.settle(message.id, error);
      else throw error;
    }
  }

  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    const data: LineageLogWorkerData = { projectRoot: this.project.root };
    const worker = startModuleWorker(new URL('./lineage-log-worker.js', import.meta.url), data);
    worker.unref();
    worker.on('message', (message: FromLineageLogWorker) => {
      if (message.kind === 'appended') this.settle(message.id);
      else
        this.settle(
          message.id,
          new AquiferError('LINEAGE_LOG_FAILED', `The lineage log could not take ${message.error.code ?? 'the events'}: ${message.error.message}`, {
            value: message.error.code ?? null,
            hint: 'The recorder keeps the events and tries again; the server log has the cause.',
          }),
        );
    });
    const lost = (error: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, pending] of [...this.pending]) if (pending.worker === worker) this.settle(id, error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new AquiferError('LINEAGE_LOG_FAILED', `The lineage log's worker thread stopped (exit code ${code})`, { value: code })));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, error?: unknown): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    if (![...this.pending.values()].some((p) => p.worker === pending.worker)) pending.worker.unref();
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }
}
