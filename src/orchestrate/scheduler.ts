import { setTimeout as delay } from 'node:timers/promises';
import { sharedEngine, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { versionLookup } from './asset-status.js';
import { loadPipeline, type ResolvedAsset } from './pipeline.js';
import { runAsset } from './run-asset.js';
import { withRunEngine } from './run-engine.js';
import type { Sleep } from './run-series.js';
import { openRunStore } from './open-run-store.js';
import { recoverRuns, type RecoveredRun } from './run-control.js';
import type { AssetRunStore, AssetRunTrigger } from './run-store.js';
import { dueTick, tickPartition } from './schedule-ticks.js';
import { SchedulerStateFile, type AssetSchedulerState } from './scheduler-state.js';
import { readSensor } from './sensors.js';

/** How often the scheduler looks, by default: cron ticks are whole minutes, sensors poll table versions. */
export const SCHEDULER_TICK_MS = 15_000;
/** Runs at once, by default. */
export const SCHEDULER_CONCURRENCY = 4;
/** How long a stop waits for running runs, by default. */
export const SCHEDULER_GRACE_MS = 60_000;

export interface SchedulerOptions {
  engine?: Engine;
  /** The run history; the project's (openRunStore: SQLite, or PostgreSQL when its config says so), opened on first use, closed by stop. */
  store?: AssetRunStore;
  /** The clock: when ticks fall due, and which day a daily partition is. */
  now?: () => Date;
  sleep?: Sleep;
  tickMs?: number;
  /** Most runs at once; further launches wait for a slot. */
  concurrency?: number;
  /** How long stop() lets running runs finish before it cancels them. */
  graceMs?: number;
  /** How long a run's lease lasts unrenewed, and how often it is renewed (runAsset's defaults: 60 s, 2 s). */
  leaseSeconds?: number;
  heartbeatSeconds?: number;
  /** Told of each launch as it is made (its outcome settles later), for a command to print. */
  onLaunch?: (launch: SchedulerLaunch) => void;
  /** Told of what recovery found when the loop starts (runs left `running` by a process that died), for a command to print. */
  onRecover?: (recovered: RecoveredRun[]) => void;
}

/** What one tick launched: the asset, partition and trigger, why, and how it ended (never rejects). */
export interface SchedulerLaunch {
  asset: string;
  partition?: string;
  trigger: Extract<AssetRunTrigger, 'schedule' | 'sensor'>;
  /** The cron tick it runs for (ISO 8601), or the upstream tables that moved. */
  reason: { tick: string } | { moved: string[] };
  outcome: Promise<LaunchOutcome>;
}

export interface LaunchOutcome {
  /**
   * `skipped`: not run, because another run held the asset's (and partition's) lease, or the
   * scheduler stopped first; its tick or commit is still due. `cancelled`: stopped by stop()
   * past its grace period.
   */
  status: 'success' | 'failed' | 'skipped' | 'cancelled';
  runId?: string;
  error?: { code?: string; message: string };
}

interface Decision {
  asset: ResolvedAsset;
  partition?: string;
  trigger: SchedulerLaunch['trigger'];
  reason: SchedulerLaunch['reason'];
  /** Written to the state file when the run starts, not when it is decided: a run dropped at stop leaves its tick due. */
  remember: AssetSchedulerState;
  /** The asset's state before, put back when the run is skipped (its tick or commit is then due again). */
  before: AssetSchedulerState;
}

/**
 * Runs the project's scheduled assets when their cron ticks fall due and its sensed assets
 * when a table they read gets a new version. `tick()` decides and launches; `start()` ticks
 * every `tickMs` until `stop()`. Each asset has at most one run from this scheduler at a
 * time; runs go through runAsset (so the run history records them, trigger `schedule` or
 * `sensor`), at most `concurrency` at once; a failed run is logged and recorded, never stops
 * the loop. Run one scheduler per project: two would each keep their own memory.
 */
export class Scheduler {
  private readonly now: () => Date;
  private readonly sleep: Sleep;
  private readonly tickMs: number;
  private readonly graceMs: number;
  private readonly slots: Slots;
  private readonly stopping = new AbortController();
  /** Aborted by stop() once the grace period is over: the runs in flight are cancelled. */
  private readonly cancelling = new AbortController();
  private readonly running = new Set<Promise<LaunchOutcome>>();
  /** Assets with a run launched by this scheduler and not yet ended. */
  private readonly busy = new Set<string>();
  private state: Promise<SchedulerStateFile> | undefined;
  private store: Promise<AssetRunStore> | undefined;
  private loop: Promise<void> | undefined;
  /** The recovery start() set going, which stop() waits for (and cancels past the grace period) like a run. */
  private recovering: Promise<RecoveredRun[]> | undefined;

  constructor(
    private readonly project: Project,
    private readonly options: SchedulerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal, ref: false }).catch(() => undefined));
    this.tickMs = options.tickMs ?? SCHEDULER_TICK_MS;
    this.graceMs = options.graceMs ?? SCHEDULER_GRACE_MS;
    this.slots = new Slots(Math.max(1, options.concurrency ?? SCHEDULER_CONCURRENCY));
  }

  /**
   * Recover, then tick now and every `tickMs` after, until stop(). Recovery (recoverRuns) goes on
   * beside the ticks: a run it retries holds its lease, so a tick that wants the same asset and
   * partition meanwhile is skipped, not doubled. A tick that fails (an asset file that does not
   * parse) is logged.
   */
  start(): void {
    this.loop ??= (async () => {
      this.recovering = this.recover();
      while (!this.stopping.signal.aborted) {
        try {
          await this.tick();
        } catch (error) {
          log.error({ err: error }, 'the scheduler could not evaluate the assets');
        }
        await this.sleep(this.tickMs, this.stopping.signal);
      }
    })();
  }

  /**
   * Find the runs a process that died left `running` (a SIGKILLed scheduler's): each is marked
   * `aborted` and retried when its asset's retry policy has attempts left (recoverRuns), under
   * its lease, with this scheduler's stop signal. Never rejects: what failed is logged.
   */
  async recover(): Promise<RecoveredRun[]> {
    try {
      const recovered = await recoverRuns(this.project, {
        ...this.runOptions(),
        engine: this.options.engine ?? (await sharedEngine()),
        store: await this.runStore(),
      });
      for (const { aborted, retry, retryError } of recovered)
        log.warn(
          { asset: aborted.asset, partition: aborted.partition, runId: aborted.id, retry: retry?.id, retryStatus: retry?.status, retryError },
          `recovered run ${aborted.id} of ${aborted.asset}: ${aborted.status}${retry === undefined ? (retryError === undefined ? '' : `, its retry failed: ${retryError.message.split('\n')[0] ?? ''}`) : `, retried: ${retry.status}`}`,
        );
      this.options.onRecover?.(recovered);
      return recovered;
    } catch (error) {
      log.error({ err: error }, 'the scheduler could not recover the runs left running');
      return [];
    }
  }

  /**
   * Decide what is due now and launch it: for each asset with a schedule, the latest tick since
   * the last one evaluated (the first look only notes the time); else, for each with a sensor,
   * a whole run when an upstream table moved. Returns the launches, each with its outcome.
   */
  async tick(): Promise<SchedulerLaunch[]> {
    if (this.stopping.signal.aborted) return [];
    const engine = this.options.engine ?? (await sharedEngine());
    const pipeline = await loadPipeline(this.project, engine);
    const watched = pipeline.assets.filter((a) => a.schedule !== undefined || a.sensor?.onUpstreamCommit === true);
    if (watched.length === 0) return [];
    const state = await (this.state ??= SchedulerStateFile.open(this.project.root));
    const store = await this.runStore();
    const lastWhole = new Map((await store.latestSuccessful()).filter((r) => r.partition === undefined).map((r) => [r.asset, r.inputs]));
    // With the run store, an input that is a feature view, training set or model asset is read by its runs' output versions.
    const versions = versionLookup(this.project, engine, store);
    const now = this.now();
    const launches: SchedulerLaunch[] = [];
    // Assets that are running, launched or held on this tick, and everything below them (the pipeline is in
    // topological order, so an asset's dependencies are settled before it): their tables are about to move.
    const moving = new Set<string>();
    const watchedNames = new Set(watched.map((a) => a.name));
    for (const asset of pipeline.assets) {
      const upstreamMoving = asset.dependsOn.some((d) => moving.has(d));
      if (upstreamMoving) moving.add(asset.name);
      if (!watchedNames.has(asset.name)) continue;
      // Its run from an earlier tick is still going: what is due now is looked at again next tick.
      if (this.busy.has(asset.name)) {
        moving.add(asset.name);
        continue;
      }
      const remembered = state.get(asset.name);
      let decision: Decision | undefined;
      if (asset.schedule !== undefined) {
        if (remembered.evaluatedUpTo === undefined) await state.update(asset.name, { evaluatedUpTo: now.toISOString() });
        else {
          const tick = dueTick(asset.schedule, new Date(remembered.evaluatedUpTo), now);
          if (tick !== undefined) decision = this.scheduled(asset, tick, remembered);
          if (decision === undefined && tick !== undefined) await state.update(asset.name, { evaluatedUpTo: tick.toISOString() });
        }
      }
      if (decision === undefined && asset.sensor?.onUpstreamCommit === true) {
        const reading = await readSensor(asset, lastWhole.get(asset.name), remembered.seen, versions);
        if (reading.moved.length > 0 && upstreamMoving)
          // An asset above it is running or about to (the same commit reaches it both directly and through
          // that asset, a diamond): it waits, still due, and runs once when what it reads has settled.
          log.debug({ asset: asset.name, moved: reading.moved }, `${asset.name} waits for the assets above it to run first`);
        else if (reading.moved.length > 0)
          decision = { asset, trigger: 'sensor', reason: { moved: reading.moved }, remember: { seen: reading.current }, before: remembered };
        else if (!sameVersions(reading.current, remembered.seen)) await state.update(asset.name, { seen: reading.current });
      }
      if (decision !== undefined) {
        moving.add(asset.name);
        launches.push(this.launch(decision, state, engine, store));
      }
    }
    return launches;
  }

  /** The launch a due tick makes; undefined for a daily partition before the asset's start (the tick is only noted). */
  private scheduled(asset: ResolvedAsset, tick: Date, before: AssetSchedulerState): Decision | undefined {
    const schedule = asset.schedule as NonNullable<ResolvedAsset['schedule']>;
    const partition = asset.partitions?.type === 'daily' ? tickPartition(schedule, tick) : undefined;
    if (partition !== undefined && asset.partitions?.type === 'daily' && partition < asset.partitions.start) {
      log.info({ asset: asset.name, tick: tick.toISOString(), partition }, `schedule of ${asset.name}: ${partition} is before its start; nothing to run`);
      return undefined;
    }
    return {
      asset,
      ...(partition === undefined ? {} : { partition }),
      trigger: 'schedule',
      reason: { tick: tick.toISOString() },
      remember: { evaluatedUpTo: tick.toISOString() },
      before,
    };
  }

  private launch(decision: Decision, state: SchedulerStateFile, engine: Engine, store: AssetRunStore): SchedulerLaunch {
    const { asset, partition, trigger, reason } = decision;
    const fields = { asset: asset.name, ...(partition === undefined ? {} : { partition }), trigger };
    this.busy.add(asset.name);
    const outcome = (async (): Promise<LaunchOutcome> => {
      // A free slot is taken at once, so a launch the tick made has started even if stop() follows right after.
      const release = this.slots.take() ?? (await this.slots.acquire());
      try {
        // Stopped while it waited for a slot: not started, so its tick or commit is still due after a restart.
        if (this.stopping.signal.aborted) return { status: 'skipped' };
        await state.update(asset.name, decision.remember);
        log.info({ ...fields, reason }, `${trigger}: running ${asset.name}${partition === undefined ? '' : ` for ${partition}`}`);
        // An engine of its own for the run (withRunEngine): a stop interrupts only this run's query.
        const runs = await withRunEngine((runEngine) =>
          runAsset(this.project, asset.name, {
            ...(partition === undefined ? {} : { partition }),
            ...this.runOptions(),
            trigger,
            engine: runEngine,
            store,
            now: this.now,
            // Another run holds the asset (a recovery's retry, `aquifer run`, a backfill): not a failure, tried again later.
            onBusy: 'skip',
          }),
        );
        const run = runs[runs.length - 1];
        if (run?.status === 'skipped') {
          await state.put(asset.name, decision.before);
          log.info({ ...fields, heldBy: run.heldBy }, `${asset.name} is held by run ${run.heldBy ?? '?'}; skipped, due again next tick`);
          return { status: 'skipped', ...(run.error === undefined ? {} : { error: run.error }) };
        }
        return { status: 'success', ...(run === undefined ? {} : { runId: run.id }) };
      } catch (error) {
        return failed(fields, error);
      } finally {
        release();
        this.busy.delete(asset.name);
      }
    })();
    this.running.add(outcome);
    void outcome.finally(() => this.running.delete(outcome));
    const launch: SchedulerLaunch = { ...fields, reason, outcome };
    this.options.onLaunch?.(launch);
    return launch;
  }

  /** Every run launched so far, ended. */
  async idle(): Promise<LaunchOutcome[]> {
    return Promise.all([...this.running]);
  }

  /**
   * Stop launching (a tick in progress finishes deciding; launches still waiting for a slot are
   * dropped, their ticks and commits left due), let running runs (a recovery's retry too)
   * finish for up to `graceMs`, then cancel those still going: DuckDB is interrupted, nothing
   * commits, and each is recorded `cancelled` (a commit already under way wins). Resolves once
   * every run has ended and the run store is closed.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    const ended = Promise.all([...this.running, this.recovering]);
    const grace = new AbortController();
    const inTime = await Promise.race([ended.then(() => true), this.sleep(this.graceMs, grace.signal).then(() => false)]);
    grace.abort();
    if (!inTime) {
      log.warn({ running: [...this.busy] }, `runs still going after ${this.graceMs} ms; cancelling them`);
      this.cancelling.abort();
      await ended;
    }
    const store = this.store;
    this.store = undefined;
    if (this.options.store === undefined && store !== undefined) await (await store).close();
  }

  /** What every run this scheduler starts is given: its cancel signal, and the lease's timing when set. */
  private runOptions(): { signal: AbortSignal; leaseSeconds?: number; heartbeatSeconds?: number } {
    return {
      signal: this.cancelling.signal,
      ...(this.options.leaseSeconds === undefined ? {} : { leaseSeconds: this.options.leaseSeconds }),
      ...(this.options.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: this.options.heartbeatSeconds }),
    };
  }

  private runStore(): Promise<AssetRunStore> {
    this.store ??= this.options.store === undefined ? openRunStore(this.project) : Promise.resolve(this.options.store);
    return this.store;
  }
}

function sameVersions(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>> | undefined): boolean {
  if (b === undefined) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** A run that did not succeed: cancelled by stop(), or a logged failure. */
function failed(fields: Record<string, unknown>, error: unknown): LaunchOutcome {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const value = (error as { value?: { runId?: unknown } } | undefined)?.value;
  const runId = typeof value?.runId === 'string' ? value.runId : undefined;
  if (code === 'ASSET_RUN_CANCELLED') {
    log.warn({ ...fields, runId }, `${String(fields['asset'])} cancelled: the scheduler stopped`);
    return { status: 'cancelled', ...(runId === undefined ? {} : { runId }), error: { code, message } };
  }
  // The run history keeps the whole error; the log says which run to look at.
  log.error({ ...fields, code, runId }, `${String(fields['asset'])} failed: ${message.split('\n')[0] ?? ''}`);
  return { status: 'failed', ...(runId === undefined ? {} : { runId }), error: { ...(code === undefined ? {} : { code }), message } };
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** A counting semaphore: at most `size` holders; the rest wait in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** A slot now, or undefined when none is free. */
  take(): (() => void) | undefined {
    if (this.free === 0) return undefined;
    this.free--;
    return this.releaser();
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next === undefined) this.free++;
      else next();
    };
  }
}
