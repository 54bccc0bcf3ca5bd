import { AquiferError } from '../errors.js';

/**
 * The requests of one server and their time limit (server.limits.requestTimeoutMs), from
 * arrival to response. Every request gets the same limit, so deadlines expire in the order
 * they were made: one timer, armed for the oldest, serves them all. A timer, a listener and
 * an abort signal per request cost the lookup path about 30% of its throughput.
 */
export class RequestDeadlines {
  /** Live deadlines in arrival order, which is their expiry order. */
  private readonly live = new Set<RequestDeadline>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(readonly ms: number) {}

  /** A deadline for a request that has just arrived; `clear` it once the response is done. */
  start(): RequestDeadline {
    const deadline = new RequestDeadline(this.ms, Date.now() + this.ms, this);
    this.live.add(deadline);
    if (this.timer === undefined) this.arm(deadline.expiresAt);
    return deadline;
  }

  /** @internal */
  forget(deadline: RequestDeadline): void {
    this.live.delete(deadline);
  }

  private arm(at: number): void {
    this.timerAt = at;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()));
    // The server keeps the process alive while it listens; a pending deadline should not.
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (const deadline of this.live) {
      if (deadline.expiresAt > now) {
        this.arm(deadline.expiresAt);
        return;
      }
      this.live.delete(deadline);
      deadline.expire();
    }
  }
}

/**
 * One request's time limit. When it passes, `signal` aborts with HTTP_RESPONSE_TIMEOUT:
 * handlers check it at safe points before anything is committed, and the server answers 503
 * without waiting for them.
 */
export class RequestDeadline {
  private controller: AbortController | undefined;
  private expiredWith: AquiferError | undefined;
  private readonly pending = new Set<(error: Error) => void>();

  /** @internal Made by RequestDeadlines.start. */
  constructor(
    readonly ms: number,
    readonly expiresAt: number,
    private readonly owner: RequestDeadlines,
  ) {}

  /** Aborts when the deadline passes; made on first use, since most handlers finish first. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.expiredWith !== undefined) this.controller.abort(this.expiredWith);
    }
    return this.controller.signal;
  }

  /** Throws the deadline's error once it has passed, as AbortSignal.throwIfAborted does, without making a signal. */
  throwIfAborted(): void {
    if (this.expiredWith !== undefined) throw this.expiredWith;
  }

  /** The work's outcome, or the deadline's error if it passes first (the work is left to notice the signal). */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.expiredWith !== undefined) return Promise.reject(this.expiredWith);
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      work.then(
        (value) => {
          this.pending.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(reject);
          reject(error as Error);
        },
      );
    });
  }

  /** @internal Called once the deadline has passed. */
  expire(): void {
    if (this.expiredWith !== undefined) return;
    const error = responseTimeout(this.ms);
    this.expiredWith = error;
    this.controller?.abort(error);
    for (const reject of this.pending) reject(error);
    this.pending.clear();
  }

  clear(): void {
    this.owner.forget(this);
  }
}

export function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function responseTimeout(ms: number): AquiferError {
  return new AquiferError('HTTP_RESPONSE_TIMEOUT', `The request was not answered within ${ms} ms`, {
    value: 'requestTimeoutMs',
    hint: 'Send less per request, or raise server.limits.requestTimeoutMs in aquifer.json. A write abandoned before its commit wrote nothing; retry it with the same Idempotency-Key to learn the outcome of one whose commit had started.',
  });
}
