import { parentPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { ErrorCode } from './error-codes.js';
import { AquiferError } from './errors.js';
import { log } from './log.js';
import { startModuleWorker } from './module-worker.js';

/** Something items are appended to in batches: a project's log table, in-process or through a thread. */
export interface Appender<T> {
  append(items: readonly T[]): Promise<void>;
  close(): Promise<void>;
}

type ToAppendWorker<T> = { kind: 'append'; id: number; items: T[] } | { kind: 'close' };
type FromAppendWorker = { kind: 'appended'; id: number } | { kind: 'append-failed'; id: number; error: { message: string; code?: string } };

interface Pending {
  worker: Worker;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Appends made by a worker thread (a module that calls `serveAppends`) with a DuckDB engine of
 * its own: a server's event loop hands a batch over and hears back once it is committed, so the
 * staging, commit, snapshot refresh and checkpoint of a log appended to a few times a second
 * never hold the loop that answers requests. The thread starts on the first append; one that
 * dies fails what it held, and the next append starts another. A failed append is an
 * AquiferError with `code` (the owner's catalogue entry), the worker's message and its code as value.
 */
export class AppendThread<T> implements Appender<T> {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly moduleUrl: URL,
    private readonly workerData: unknown,
    private readonly code: ErrorCode,
    private readonly what: string,
  ) {}

  append(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new AquiferError(this.code, `The ${this.what} writer is closed`, { value: items.length }));
    const worker = this.thread();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      // Held open while an append waits, so a process does not end with a batch unheard of.
      worker.ref();
      try {
        worker.postMessage({ kind: 'append', id, items: [...items] } satisfies ToAppendWorker<T>);
      } catch (error) {
        // A value that cannot be cloned fails its own batch only.
        this.settle(id, error);
      }
    });
  }

  /** Let the thread finish what it holds, close its engine and end. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ kind: 'close' } satisfies ToAppendWorker<T>);
    await exited;
  }

  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = startModuleWorker(this.moduleUrl, this.workerData);
    worker.unref();
    worker.on('message', (message: FromAppendWorker) => {
      if (message.kind === 'appended') this.settle(message.id);
      else
        this.settle(
          message.id,
          new AquiferError(this.code, `The ${this.what} could not take a batch: ${message.error.message}`, {
            value: message.error.code ?? null,
            hint: 'The batch is kept and tried again; the server log has the cause (a full disk, a broken table).',
          }),
        );
    });
    const lost = (error: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, pending] of [...this.pending]) if (pending.worker === worker) this.settle(id, error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new AquiferError(this.code, `The ${this.what}'s worker thread stopped (exit code ${code})`, { value: code })));
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

/**
 * The worker side of an AppendThread: open the target once, take batches one at a time in the order they were
 * sent, answer each, and on `close` close the target and let the thread end (terminating a
 * thread that holds DuckDB's native handles aborts the process).
 */
export function serveAppends<T>(open: () => Promise<{ append(items: readonly T[]): Promise<void>; close(): void | Promise<void> }>): void {
  if (parentPort === null) throw new Error('serveAppends runs only in a worker thread');
  const port: MessagePort = parentPort;
  const post = (message: FromAppendWorker) => port.postMessage(message);
  const opened = open();
  // An open that fails is answered per batch; it must not also be an unhandled rejection.
  opened.catch(() => undefined);
  const append = async (id: number, items: T[]): Promise<void> => {
    try {
      await (await opened).append(items);
      post({ kind: 'appended', id });
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
      post({ kind: 'append-failed', id, error: { message: error instanceof Error ? error.message : String(error), ...(code === undefined ? {} : { code }) } });
    }
  };
  const close = async (): Promise<void> => {
    const target = await opened.catch(() => undefined);
    await target?.close();
    port.close();
  };
  let taken: Promise<void> = Promise.resolve();
  port.on('message', (message: ToAppendWorker<T>) => {
    taken = taken
      .then(() => (message.kind === 'append' ? append(message.id, message.items) : close()))
      .catch((error: unknown) => log.error({ err: error, kind: message.kind }, 'an append worker could not take a message'));
  });
}
