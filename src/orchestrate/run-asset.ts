import { isDeepStrictEqual } from 'node:util';
import { sharedEngine, type Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { judgeRun, versionLookup } from './asset-status.js';
import { materialize } from './kinds/materialize.js';
import { checkPartition } from './partitions.js';
import { findAsset, loadPipeline, upstreamAssets, type ResolvedAsset } from './pipeline.js';
import type { AssetRun, AssetRunStore, AssetRunTrigger } from './run-store.js';
import { DEFAULT_HEARTBEAT_SECONDS, DEFAULT_LEASE_SECONDS, realSleep, runSeries, type AssetWork, type RunContext, type Sleep } from './run-series.js';
import { openRunStore } from './open-run-store.js';

export interface RunAssetOptions {
  /** Run only this partition of a partitioned asset (replacing only it in the table). */
  partition?: string;
  /** First run, in topological order, the upstream assets that are not fresh. */
  withUpstream?: boolean;
  engine?: Engine;
  /** The run history; the project's SQLite file by default. */
  store?: AssetRunStore;
  /** The clock, for partition checks (a daily partition may not be in the future). */
  now?: () => Date;
  /** What started the runs, as the history records it; `manual` by default (`airflow` from an exported DAG's tasks). */
  trigger?: AssetRunTrigger;
  /** The id of the asset's own run (its upstream runs get their own), so a caller can name it before it starts. */
  runId?: string;
  /** Stops the run in flight (recorded `cancelled`, nothing committed) and any retry waiting. */
  signal?: AbortSignal;
  /**
   * When another run holds the asset's (and partition's) lease: `fail` (default) throws
   * ASSET_RUN_IN_PROGRESS naming it; `skip` returns a run of status `skipped` (not recorded)
   * whose `heldBy` names it, as a scheduler wants.
   */
  onBusy?: 'fail' | 'skip';
  /** How long a lease lasts unrenewed (default 60 s): a crashed run's partition is free again after it. */
  leaseSeconds?: number;
  /** How often the lease is renewed and cancel requests looked for (default 2 s). */
  heartbeatSeconds?: number;
  /** Waits between retries; injected in tests. */
  sleep?: Sleep;
}

/**
 * Run an asset: its SQL in DuckDB over the current versions of what it reads, written to
 * its table (overwritten whole, or only the partition asked for by replaceWhere), as one job
 * run (so lineage records it) and one run in the history per attempt. At most one run of an
 * asset and partition works at a time, across processes (a lease in the run store); a
 * failing run is retried per the asset's `retry` policy and stopped at its `timeoutSeconds`.
 * With `withUpstream`, upstream assets that are not fresh run first. Returns every run made,
 * the asset's own last; a run that fails is recorded as failed, leaves its table as it was,
 * and throws ASSET_RUN_FAILED (upstream failures stop before the asset runs).
 */
export async function runAsset(project: Project, name: string, options: RunAssetOptions = {}): Promise<AssetRun[]> {
  const engine = options.engine ?? (await sharedEngine());
  const now = options.now ?? (() => new Date());
  const pipeline = await loadPipeline(project, engine);
  const target = findAsset(pipeline, name);
  if (options.partition !== undefined) checkPartition(target, options.partition, now());
  const store = options.store ?? (await openRunStore(project));
  try {
    const context = runContext(project, engine, store, options);
    const runs: AssetRun[] = [];
    if (options.withUpstream === true)
      for (const upstream of upstreamAssets(pipeline, target)) {
        const partition = samePartitions(upstream, target) ? options.partition : undefined;
        if (await isFresh(project, engine, store, upstream, partition)) continue;
        const run = await runSeries(context, upstream, partition, assetWork(project, store, upstream, partition));
        runs.push(run);
        if (run.status === 'skipped') return runs;
      }
    runs.push(
      await runSeries(context, target, options.partition, assetWork(project, store, target, options.partition), {
        attempt: 1,
        ...(options.runId === undefined ? {} : { id: options.runId }),
      }),
    );
    return runs;
  } finally {
    if (options.store === undefined) await store.close();
  }
}

/** The context runs share, from runAsset's options. */
export function runContext(
  project: Project,
  engine: Engine,
  store: AssetRunStore,
  options: Pick<RunAssetOptions, 'trigger' | 'signal' | 'onBusy' | 'leaseSeconds' | 'heartbeatSeconds' | 'sleep'>,
): RunContext {
  return {
    project,
    engine,
    store,
    trigger: options.trigger ?? 'manual',
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onBusy: options.onBusy ?? 'fail',
    leaseSeconds: options.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
    heartbeatSeconds: options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS,
    sleep: options.sleep ?? realSleep,
  };
}

/** A write that lost to a concurrent commit is redone (over the inputs' versions then) at most this many times. */
const MAX_CONFLICT_REDOS = 20;

/**
 * An asset's work, as a run series does it: the asset run by its kind for the partition. A write
 * that conflicted with a concurrent commit (a whole-table write beside a partition's; the
 * table's metadata changed) is redone after a short random wait, within the same attempt:
 * the write is the whole table's or one partition's, so redoing it is safe.
 */
export function assetWork(project: Project, store: AssetRunStore, asset: ResolvedAsset, partition: string | undefined): AssetWork {
  return async (engine, inputs, step) => {
    await step(
      partition === undefined ? 'writing the whole table' : `writing partition ${partition}`,
      asset.kind === 'sql' ? { sql: asset.sql.slice(0, 200) } : { kind: asset.kind },
    );
    for (let redo = 0; ; redo++) {
      try {
        const version = await materialize({ project, engine, store, asset, partition, inputs, now: new Date(), log: step });
        await step(`committed version ${version}`, { inputs: { ...inputs }, version });
        return version;
      } catch (error) {
        const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
        if (code !== 'COMMIT_CONFLICT' || redo >= MAX_CONFLICT_REDOS) throw error;
        await step('a concurrent commit conflicted; writing again', { redo: redo + 1, message: error instanceof Error ? error.message : String(error) });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * (redo + 1)));
      }
    }
  };
}

/** An upstream asset partitioned as the target is runs for the same partition; any other runs whole. */
function samePartitions(upstream: ResolvedAsset, target: ResolvedAsset): boolean {
  return upstream.partitions !== undefined && isDeepStrictEqual(upstream.partitions, target.partitions);
}

async function isFresh(project: Project, engine: Engine, store: AssetRunStore, asset: ResolvedAsset, partition: string | undefined): Promise<boolean> {
  // Judged as `aquifer assets status` judges it: the newest finished and successful runs of this asset and
  // partition however long the history, and run-versioned inputs (a training set, a model) by their runs.
  const mine = (run: AssetRun) => run.asset === asset.name && run.partition === partition;
  const status = await judgeRun(
    asset,
    partition,
    (await store.latestFinished()).find(mine),
    (await store.latestSuccessful()).find(mine),
    versionLookup(project, engine, store),
  );
  return status.status === 'fresh';
}
