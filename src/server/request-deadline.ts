import { AquiferError } from '../errors.js';

/**
 * One request's time limit, from its arrival to its response (server.limits.requestTimeoutMs).
 * When it passes, `signal` aborts with HTTP_RESPONSE_TIMEOUT: handlers check it at safe points
 * before anything is committed, and the server answers 503 without waiting for them.
 */
export class RequestDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(responseTimeout(ms)), ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The work's outcome, or the deadline's error if it passes first (the work is left to notice the signal). */
  race<T>(work: Promise<T>): Promise<T> {
    return raceSignal(work, this.signal);
  }

  clear(): void {
    clearTimeout(this.timer);
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
