import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine/index.js';
import { withJobRun } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { AssetRunCancelledError, AssetRunFailedError, AssetRunInProgressError, AssetRunLeaseLostError, AssetRunTimeoutError } from './errors.js';
import type { ResolvedAsset } from './pipeline.js';
import { acquireAssetLease, LeaseHeartbeat, type HeartbeatStop } from './run-lease.js';
import type { AssetRun, AssetRunLogEntry, AssetRunStore, AssetRunTrigger } from './run-store.js';

/** How long a lease lasts without a heartbeat: a process that died frees its runs this long after. */
export const DEFAULT_LEASE_SECONDS = 60;
/** How often a running run renews its lease and looks for a cancel request. */
export const DEFAULT_HEARTBEAT_SECONDS = 2;
const DEFAULT_BACKOFF_SECONDS = 10;
const DEFAULT_MAX_BACKOFF_SECONDS = 300;

/** Wait `ms`, or reject with the signal's reason when it aborts first. Injected in tests, so backoffs do not wait. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** What runs need besides the asset: where they run and record, and how they wait. */
export interface RunContext {
  project: Project;
  engine: Engine;
  store: AssetRunStore;
  trigger: AssetRunTrigger;
  signal?: AbortSignal;
  /** `fail` (default): ASSET_RUN_IN_PROGRESS when another run holds the lease; `skip`: return a `skipped` run instead. */
  onBusy: 'fail' | 'skip';
  leaseSeconds: number;
  heartbeatSeconds: number;
  sleep: Sleep;
}

/** Where a series starts: a new one at attempt 1, or a retry continuing an earlier series. */
export interface SeriesStart {
  attempt: number;
  /** The first attempt's run id (a caller that named the run before it started); a new one by default. */
  id?: string;
  retryOf?: string;
  trigger?: AssetRunTrigger;
  /** Run at least once even when the policy's attempts are spent (a manual retry). */
  atLeastOnce?: boolean;
}

/** The work of one attempt: writes the asset and returns the version written, recording the inputs it read. */
export type AssetWork = (engine: Engine, inputs: Record<string, number>, step: StepLog) => Promise<number>;
/** Keeps a step of the work in the run's log (in order; never fails the run). */
export type StepLog = (message: string, data?: Record<string, unknown>) => Promise<void>;

/** The delay before attempt `next` (2, 3, ...): backoffSeconds doubled per retry, capped. */
export function backoffMs(asset: Pick<ResolvedAsset, 'retry'>, next: number): number {
  const base = asset.retry?.backoffSeconds ?? DEFAULT_BACKOFF_SECONDS;
  const cap = asset.retry?.maxBackoffSeconds ?? DEFAULT_MAX_BACKOFF_SECONDS;
  return Math.min(base * 2 ** Math.max(0, next - 2), cap) * 1000;
}

/**
 * Run an asset (and partition) under its lease, retrying per its policy: each attempt its
 * own run in the history (trigger `retry`, its attempt number, the first run's id), the lease
 * held from the first attempt to the last (backoffs included) and renewed by a heartbeat
 * that also hears `aquifer runs cancel`. Returns the successful run; throws the last
 * attempt's error (ASSET_RUN_FAILED, ASSET_RUN_CANCELLED) or ASSET_RUN_IN_PROGRESS.
 */
export async function runSeries(
  context: RunContext,
  asset: ResolvedAsset,
  partition: string | undefined,
  work: AssetWork,
  start: SeriesStart = { attempt: 1 },
): Promise<AssetRun> {
  const firstId = start.id ?? randomUUID();
  const leaseMs = context.leaseSeconds * 1000;
  const lease = { asset: asset.name, ...(partition === undefined ? {} : { partition }), holder: randomUUID(), runId: firstId };
  // The lease expires no earlier than this: acquireAssetLease sets its expiry from a later clock reading.
  const validUntil = Date.now() + leaseMs;
  const taken = await acquireAssetLease(context.store, lease, leaseMs);
  if (!taken.acquired) {
    if (context.onBusy === 'fail') throw new AssetRunInProgressError(asset.name, partition, taken.held.runId);
    return {
      id: firstId,
      asset: asset.name,
      ...(partition === undefined ? {} : { partition }),
      trigger: start.trigger ?? context.trigger,
      startedAt: new Date().toISOString(),
      status: 'skipped',
      inputs: {},
      heldBy: taken.held.runId,
      error: { code: 'ASSET_RUN_IN_PROGRESS', message: new AssetRunInProgressError(asset.name, partition, taken.held.runId).message },
    };
  }
  let stopAttempt: ((why: HeartbeatStop) => void) | undefined;
  const heartbeat = new LeaseHeartbeat(context.store, lease, leaseMs, context.heartbeatSeconds * 1000, (why) => stopAttempt?.(why), validUntil);
  try {
    // Holding the lease, any other run of this asset and partition still `running` is one whose process died.
    await context.store.abortOrphans(asset.name, partition, firstId, new Date().toISOString());
    const last = Math.max(asset.retry?.attempts ?? 1, start.atLeastOnce === true ? start.attempt : 0);
    const retryOf = start.retryOf ?? (start.attempt > 1 ? undefined : firstId);
    for (let attempt = start.attempt; ; attempt++) {
      const id = attempt === start.attempt ? firstId : randomUUID();
      // This attempt hears the heartbeat from the start: a lease found lost as it begins stops it, not the last one.
      const attemptControl = new AbortController();
      stopAttempt = (why) => attemptControl.abort(why);
      await heartbeat.running(id);
      const run: AssetRun = {
        id,
        asset: asset.name,
        ...(partition === undefined ? {} : { partition }),
        trigger: attempt === start.attempt ? (start.trigger ?? context.trigger) : 'retry',
        startedAt: new Date().toISOString(),
        status: 'running',
        inputs: {},
        ...(attempt === 1 ? {} : { attempt }),
        ...(attempt === 1 || retryOf === undefined ? {} : { retryOf }),
      };
      try {
        return await runOne(context, asset, run, work, attemptControl);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ASSET_RUN_CANCELLED' || causeCode(error) === 'ASSET_RUN_LEASE_LOST' || attempt >= last) throw error;
        const wait = backoffMs(asset, attempt + 1);
        await logLine(context.store, id, 'warn', 'retrying after a backoff', { nextAttempt: attempt + 1, backoffMs: wait });
        // The heartbeat goes on through the wait, the lease still naming this attempt: a cancel request on
        // it (`aquifer runs cancel`, from any process) or a lost lease ends the wait within a heartbeat.
        const waiting = new AbortController();
        stopAttempt = (why) => waiting.abort(why);
        const signals = context.signal === undefined ? [waiting.signal] : [waiting.signal, context.signal];
        try {
          await context.sleep(wait, AbortSignal.any(signals));
        } catch {
          // Slept through, or stopped: the wait's own reason says which (a caller's abort is a cancel).
        }
        if (waiting.signal.reason === 'lease-lost')
          throw new AssetRunFailedError(asset.name, id, new AssetRunLeaseLostError(asset.name, id, 'while it waited to retry'));
        if (waiting.signal.aborted || context.signal?.aborted === true) throw await cancelledWaiting(context, asset, partition, attempt + 1, retryOf, id);
      }
    }
  } finally {
    stopAttempt = undefined;
    await heartbeat.stop();
    await context.store.releaseLease(asset.name, partition, lease.holder);
  }
}

/**
 * A series cancelled while it waited to retry: the attempt it would have made is recorded
 * `cancelled` (started and ended at once, nothing run), so the history says why it stopped.
 */
async function cancelledWaiting(
  context: RunContext,
  asset: ResolvedAsset,
  partition: string | undefined,
  attempt: number,
  retryOf: string | undefined,
  waitedAfter: string,
): Promise<AssetRunCancelledError> {
  const at = new Date().toISOString();
  const id = randomUUID();
  const error = new AssetRunCancelledError(asset.name, id);
  await context.store.start({
    id,
    asset: asset.name,
    ...(partition === undefined ? {} : { partition }),
    trigger: 'retry',
    startedAt: at,
    status: 'running',
    inputs: {},
    attempt,
    ...(retryOf === undefined ? {} : { retryOf }),
  });
  await context.store.finish(id, {
    status: 'cancelled',
    finishedAt: at,
    inputs: {},
    error: { code: error.code, message: 'cancelled while it waited to retry' },
  });
  await logLine(context.store, id, 'error', 'cancelled while it waited to retry', { after: waitedAfter });
  return error;
}

/**
 * One attempt: recorded `running`, its work done as a job run (so lineage records it), then
 * recorded as it ended. A timeout, the caller's signal, a cancel request or a lost lease
 * interrupts DuckDB and stops the work before its next engine call, so nothing commits
 * (a commit that had already begun wins, and the run is then a success).
 */
async function runOne(context: RunContext, asset: ResolvedAsset, run: AssetRun, work: AssetWork, control: AbortController): Promise<AssetRun> {
  const { store, engine } = context;
  await store.start(run);
  await logLine(store, run.id, 'info', run.attempt === undefined ? 'started' : `attempt ${run.attempt} started`, {
    trigger: run.trigger,
    ...(run.partition === undefined ? {} : { partition: run.partition }),
    ...(run.retryOf === undefined ? {} : { retryOf: run.retryOf }),
  });
  const onAbort = () => engine.interrupt();
  control.signal.addEventListener('abort', onAbort, { once: true });
  const fromCaller = () => control.abort('cancelled' satisfies HeartbeatStop);
  if (context.signal?.aborted === true) fromCaller();
  context.signal?.addEventListener('abort', fromCaller, { once: true });
  const timeout = asset.timeoutSeconds === undefined ? undefined : setTimeout(() => control.abort('timeout'), asset.timeoutSeconds * 1000);
  try {
    const outputVersion = await withJobRun(
      {
        name: `orchestrate.asset.${asset.name}`,
        type: 'ASSET',
        project: context.project.root,
        ...(asset.kind === 'sql' ? { sql: asset.sql } : {}),
        ...(asset.description === undefined ? {} : { description: asset.description }),
        parameters: { asset: asset.name, trigger: run.trigger, ...(run.partition === undefined ? {} : { partition: run.partition }) },
      },
      () => attemptSignal.run(control.signal, () => work(guardedEngine(engine), run.inputs, (message, data) => logLine(store, run.id, 'info', message, data))),
    );
    const finished: AssetRun = { ...run, status: 'success', finishedAt: new Date().toISOString(), outputVersion };
    if (!(await store.finish(run.id, finished))) throw await markedElsewhere(context, asset, run, `committed version ${outputVersion}`);
    await logLine(store, run.id, 'info', 'succeeded', { inputs: run.inputs, outputVersion });
    return finished;
  } catch (caught) {
    if (caught instanceof MarkedElsewhere) throw caught.error;
    const why = control.signal.aborted ? (control.signal.reason as HeartbeatStop | 'timeout') : undefined;
    const error =
      why === 'timeout'
        ? new AssetRunTimeoutError(asset.name, run.id, asset.timeoutSeconds ?? 0)
        : why === 'cancelled'
          ? new AssetRunCancelledError(asset.name, run.id)
          : why === 'lease-lost'
            ? new AssetRunLeaseLostError(asset.name, run.id, 'another process took it over, or the run store could not be reached to renew it')
            : caught;
    const code = errorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const status = why === 'cancelled' ? 'cancelled' : why === 'lease-lost' ? 'aborted' : 'failed';
    const recorded = await store.finish(run.id, {
      status,
      finishedAt: new Date().toISOString(),
      inputs: run.inputs,
      error: { message, ...(code === undefined ? {} : { code }) },
    });
    if (!recorded) throw (await markedElsewhere(context, asset, run, `${status} (${code ?? message})`)).error;
    await logLine(store, run.id, 'error', status === 'failed' ? 'failed' : status, { ...(code === undefined ? {} : { code }), message });
    if (why === 'cancelled') throw error;
    throw new AssetRunFailedError(asset.name, run.id, error);
  } finally {
    clearTimeout(timeout);
    context.signal?.removeEventListener('abort', fromCaller);
    control.signal.removeEventListener('abort', onAbort);
  }
}

/** Thrown through runOne's own catch untouched: the run's row was already ended by someone else. */
class MarkedElsewhere extends Error {
  constructor(readonly error: AssetRunFailedError) {
    super(error.message);
  }
}

/**
 * The run's row was no longer `running` when this process came to record its end: another
 * process that took the lease marked it aborted. Its mark stands (finish never overwrites an
 * ended run); what this process saw is kept in the run's log, and the run is a lost lease.
 */
async function markedElsewhere(context: RunContext, asset: ResolvedAsset, run: AssetRun, outcome: string): Promise<MarkedElsewhere> {
  const now = await context.store.get(run.id);
  await logLine(context.store, run.id, 'warn', `ended here as ${outcome}, but another process had already marked it ${now?.status ?? 'gone'}`);
  const reason = `another process marked it ${now?.status ?? 'gone'} while it ran`;
  return new MarkedElsewhere(new AssetRunFailedError(asset.name, run.id, new AssetRunLeaseLostError(asset.name, run.id, reason)));
}

/** The signal of the attempt whose work is running, through its awaits. */
const attemptSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * The signal of the attempt the calling work belongs to: work that is not DuckDB (a training
 * command) stops on it, since interrupting the engine cannot reach it.
 */
export function currentAttemptSignal(): AbortSignal | undefined {
  return attemptSignal.getStore();
}
/** One guarded view per engine, so what is kept per engine (store secrets) is kept across runs. */
const guarded = new WeakMap<Engine, Engine>();

/**
 * The engine as attempts' work sees it: every call first checks that the attempt making it
 * (known from its async context) was not stopped, so work that is between two queries when
 * the interrupt comes stops at the next.
 */
function guardedEngine(engine: Engine): Engine {
  let view = guarded.get(engine);
  if (view === undefined) {
    view = new Proxy(engine, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]): unknown => {
          const signal = attemptSignal.getStore();
          if (signal?.aborted === true) throw new Error(`stopped (${String(signal.reason)})`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    guarded.set(engine, view);
  }
  return view;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Keep a log line of a run; a store that refuses it does not fail the run. */
export async function logLine(
  store: AssetRunStore,
  id: string,
  level: AssetRunLogEntry['level'],
  message: string,
  data?: Record<string, unknown>,
): Promise<void> {
  try {
    await store.appendLog(id, { at: new Date().toISOString(), level, message, ...(data === undefined ? {} : { data }) });
  } catch {
    // The run's outcome is in its row; its log is a help, not a record.
  }
}

function causeCode(error: unknown): string | undefined {
  return error instanceof Error ? errorCode(error.cause) : undefined;
}
