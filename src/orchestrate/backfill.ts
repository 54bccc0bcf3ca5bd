import { sharedEngine, type Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { judgeRun, versionLookup } from './asset-status.js';
import { AssetPartitionInvalidError } from './errors.js';
import { checkPartition } from './partitions.js';
import { findAsset, loadPipeline, type ResolvedAsset } from './pipeline.js';
import { currentVersion } from './project-tables.js';
import { runContext, assetWork, type RunAssetOptions } from './run-asset.js';
import { runSeries } from './run-series.js';
import { withRunEngine } from './run-engine.js';
import type { AssetRun, AssetRunStore } from './run-store.js';
import { openRunStore } from './open-run-store.js';

/** A backfill runs at most this many partitions (a daily asset over 270 years). */
export const MAX_BACKFILL_PARTITIONS = 100_000;
/** And at most this many at once. */
export const MAX_BACKFILL_CONCURRENCY = 32;

export interface BackfillOptions extends Pick<RunAssetOptions, 'engine' | 'store' | 'now' | 'signal' | 'leaseSeconds' | 'heartbeatSeconds' | 'sleep'> {
  /** First day of a daily asset's range (default: its start). */
  from?: string;
  /** Last day (default: today, by `now`). */
  to?: string;
  /** The partitions to run instead of a range (a static asset's values; all of them by default). */
  partitions?: readonly string[];
  /** At most this many partitions run at a time (default 1). */
  concurrency?: number;
  /** Run partitions that are already fresh too. */
  force?: boolean;
  /** Hears each partition as it ends (for a progress bar). */
  onProgress?: (done: number, total: number, result: BackfillPartitionResult) => void;
}

export interface BackfillPartitionResult {
  partition: string;
  /** `fresh`: skipped, its last successful run is up to date; `busy`: another run held its lease. */
  status: 'success' | 'fresh' | 'failed' | 'cancelled' | 'busy';
  runId?: string;
  outputVersion?: number;
  error?: { code?: string; message: string };
}

/** `aquifer run ASSET --from A --to B --format json`. */
export interface BackfillSummary {
  asset: string;
  total: number;
  succeeded: number;
  fresh: number;
  failed: number;
  /** Each partition in order. */
  partitions: BackfillPartitionResult[];
}

/**
 * Run every partition of an asset in a range (daily) or set (static), at most `concurrency`
 * at a time, each as its own run series (lease, retries, timeout; trigger `backfill`).
 * Partitions already fresh are skipped unless `force`. A failing partition does not stop the
 * others: the summary says which failed (the CLI exits 1 naming them). Rerunning the same
 * backfill after a crash runs only what did not succeed; the partition that was in flight is
 * found `running` with a dead holder and marked aborted by its new run.
 */
export async function backfill(project: Project, name: string, options: BackfillOptions = {}): Promise<BackfillSummary> {
  const engine = options.engine ?? (await sharedEngine());
  const pipeline = await loadPipeline(project, engine);
  const asset = findAsset(pipeline, name);
  const partitions = backfillPartitions(asset, options, (options.now ?? (() => new Date()))());
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, MAX_BACKFILL_CONCURRENCY, partitions.length || 1));
  const store = options.store ?? (await openRunStore(project));
  try {
    const todo = options.force === true ? partitions : await notFresh(project, engine, store, asset, partitions);
    const results = new Map<string, BackfillPartitionResult>(partitions.filter((p) => !todo.includes(p)).map((p) => [p, { partition: p, status: 'fresh' }]));
    let done = results.size;
    const total = partitions.length;
    const runPartition = async (workerEngine: Engine, partition: string) => {
      const context = runContext(project, workerEngine, store, { ...options, trigger: 'backfill' });
      const result = await outcome(partition, runSeries(context, asset, partition, assetWork(project, store, asset, partition)));
      results.set(partition, result);
      options.onProgress?.(++done, total, result);
    };
    const queue = [...todo];
    // The first run creates the table; partitions created side by side would race to create it.
    if (queue.length > 0 && (await currentVersion(project, engine, asset.name)) === undefined) await runPartition(engine, queue.shift() as string);
    const worker = async (workerEngine: Engine) => {
      for (let next = queue.shift(); next !== undefined && options.signal?.aborted !== true; next = queue.shift()) await runPartition(workerEngine, next);
    };
    // Each worker past the first gets an engine of its own when none was given: the partitions then really
    // run side by side, and a timeout's interrupt stops only its own partition's query.
    const workers = Math.max(1, Math.min(concurrency, queue.length));
    await Promise.all(Array.from({ length: workers }, (_, i) => (i === 0 ? worker(engine) : withRunEngine(worker, options.engine))));
    for (const partition of queue)
      results.set(partition, { partition, status: 'cancelled', error: { code: 'ASSET_RUN_CANCELLED', message: 'the backfill was cancelled before it ran' } });
    const ordered = partitions.map((p) => results.get(p) as BackfillPartitionResult);
    return {
      asset: asset.name,
      total,
      succeeded: ordered.filter((r) => r.status === 'success').length,
      fresh: ordered.filter((r) => r.status === 'fresh').length,
      failed: ordered.filter((r) => r.status !== 'success' && r.status !== 'fresh').length,
      partitions: ordered,
    };
  } finally {
    if (options.store === undefined) await store.close();
  }
}

/** The partitions a backfill covers, each checked: a daily range (inclusive), or a static asset's values. */
export function backfillPartitions(asset: ResolvedAsset, options: Pick<BackfillOptions, 'from' | 'to' | 'partitions'>, now: Date): string[] {
  const partitions = asset.partitions;
  if (partitions === undefined)
    throw new AssetPartitionInvalidError(asset.name, options.from ?? options.partitions?.[0] ?? '-', 'cannot be backfilled: the asset is not partitioned');
  if (options.partitions !== undefined) {
    for (const partition of options.partitions) checkPartition(asset, partition, now);
    return [...new Set(options.partitions)];
  }
  if (partitions.type === 'static') return [...partitions.values];
  const from = options.from ?? partitions.start;
  const to = options.to ?? now.toISOString().slice(0, 10);
  checkPartition(asset, from, now);
  checkPartition(asset, to, now);
  if (to < from) throw new AssetPartitionInvalidError(asset.name, `${from}..${to}`, 'is an empty range: --to is before --from');
  const days: string[] = [];
  for (let day = Date.parse(`${from}T00:00:00Z`); ; day += 86_400_000) {
    const text = new Date(day).toISOString().slice(0, 10);
    if (text > to) break;
    if (days.length >= MAX_BACKFILL_PARTITIONS)
      throw new AssetPartitionInvalidError(asset.name, `${from}..${to}`, `holds more than ${MAX_BACKFILL_PARTITIONS} days`);
    days.push(text);
  }
  return days;
}

/** The partitions whose status is not `fresh`, judged as `aquifer assets status` does. */
async function notFresh(project: Project, engine: Engine, store: AssetRunStore, asset: ResolvedAsset, partitions: readonly string[]): Promise<string[]> {
  const key = (asset: string, partition: string | undefined) => `${asset}\n${partition ?? ''}`;
  const finished = new Map((await store.latestFinished()).map((r) => [key(r.asset, r.partition), r]));
  const succeeded = new Map((await store.latestSuccessful()).map((r) => [key(r.asset, r.partition), r]));
  const versions = versionLookup(project, engine, store);
  const todo: string[] = [];
  for (const partition of partitions) {
    const status = await judgeRun(asset, partition, finished.get(key(asset.name, partition)), succeeded.get(key(asset.name, partition)), versions);
    if (status.status !== 'fresh') todo.push(partition);
  }
  return todo;
}

async function outcome(partition: string, run: Promise<AssetRun>): Promise<BackfillPartitionResult> {
  try {
    const done = await run;
    if (done.status === 'skipped')
      return {
        partition,
        status: 'busy',
        ...(done.heldBy === undefined ? {} : { runId: done.heldBy }),
        ...(done.error === undefined ? {} : { error: done.error }),
      };
    return { partition, status: 'success', runId: done.id, ...(done.outputVersion === undefined ? {} : { outputVersion: done.outputVersion }) };
  } catch (error) {
    const value = typeof error === 'object' && error !== null && 'value' in error ? (error.value as { runId?: unknown }) : undefined;
    const runId = typeof value?.runId === 'string' ? value.runId : undefined;
    const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return {
      partition,
      status: code === 'ASSET_RUN_CANCELLED' ? 'cancelled' : code === 'ASSET_RUN_IN_PROGRESS' ? 'busy' : 'failed',
      ...(runId === undefined ? {} : { runId }),
      error: { ...(code === undefined ? {} : { code }), message: error instanceof Error ? error.message : String(error) },
    };
  }
}
