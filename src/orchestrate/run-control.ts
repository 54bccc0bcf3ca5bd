import { sharedEngine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { AssetRunInProgressError, AssetRunNotFoundError, AssetRunNotRunningError } from './errors.js';
import { findAsset, loadPipeline, type ResolvedAsset } from './pipeline.js';
import { runContext, assetWork, type RunAssetOptions } from './run-asset.js';
import { acquireAssetLease, ownerDied } from './run-lease.js';
import { DEFAULT_LEASE_SECONDS, runSeries } from './run-series.js';
import type { AssetRun, AssetRunStore } from './run-store.js';
import { openRunStore } from './open-run-store.js';

type ControlOptions = Omit<RunAssetOptions, 'partition' | 'withUpstream' | 'trigger' | 'onBusy'>;

async function withStore<T>(project: Project, options: ControlOptions, work: (store: AssetRunStore) => Promise<T>): Promise<T> {
  const store = options.store ?? (await openRunStore(project));
  try {
    return await work(store);
  } finally {
    if (options.store === undefined) await store.close();
  }
}

/**
 * Ask a running run to stop: a request in the run store that the heartbeat of the process
 * running it sees (within a heartbeat), which then interrupts it and records it `cancelled`.
 * A series waiting out a backoff between attempts is cancelled too, by the id of any of its
 * runs: the wait ends at the next heartbeat and the attempt it waited for is recorded
 * `cancelled`, never run. ASSET_RUN_NOT_FOUND, or ASSET_RUN_NOT_RUNNING for a run that ended
 * and waits for nothing.
 */
export async function cancelRun(project: Project, id: string, options: Pick<ControlOptions, 'store'> = {}): Promise<AssetRun> {
  return withStore(project, options, async (store) => {
    const run = await store.get(id);
    if (run === undefined) throw new AssetRunNotFoundError(id);
    if (await store.requestCancel(id)) return run;
    // Ended, but its series may be waiting to retry: the lease then names the series' latest attempt.
    const lease = await store.lease(run.asset, run.partition);
    const current = lease === undefined || lease.runId === id ? undefined : await store.get(lease.runId);
    if (current !== undefined && seriesOf(current) === seriesOf(run) && (await store.requestCancel(current.id))) return run;
    throw new AssetRunNotRunningError(id, run.status);
  });
}

/** The first run of the series a run belongs to. */
function seriesOf(run: AssetRun): string {
  return run.retryOf ?? run.id;
}

/**
 * Run again the asset and partition of an earlier run, as the next attempt of its series
 * (trigger `retry`, `retryOf` its first run), once at least even when its retry policy's
 * attempts are spent, then per the policy. ASSET_RUN_IN_PROGRESS while that run is running.
 */
export async function retryRun(project: Project, id: string, options: ControlOptions = {}): Promise<AssetRun> {
  const engine = options.engine ?? (await sharedEngine());
  return withStore(project, options, async (store) => {
    const run = await store.get(id);
    if (run === undefined) throw new AssetRunNotFoundError(id);
    if (run.status === 'running') throw new AssetRunInProgressError(run.asset, run.partition, run.id);
    const asset = findAsset(await loadPipeline(project, engine), run.asset);
    return runSeries(runContext(project, engine, store, options), asset, run.partition, assetWork(project, store, asset, run.partition), {
      attempt: (run.attempt ?? 1) + 1,
      retryOf: run.retryOf ?? run.id,
      trigger: 'retry',
      atLeastOnce: true,
    });
  });
}

/** What recovery found: each run left `running` by a process that died, now aborted, and its retry if its policy allows one. */
export interface RecoveredRun {
  aborted: AssetRun;
  retry?: AssetRun;
  retryError?: { code?: string; message: string };
}

/**
 * Find the runs left `running` whose lease expired (or whose process, on this host, is
 * gone): each is marked `aborted` by whoever takes its lease, and retried when its asset's
 * retry policy has attempts left, under that same lease, so never two at once. A scheduler
 * calls this when it starts; `aquifer runs recover` does it by hand.
 */
export async function recoverRuns(project: Project, options: ControlOptions = {}): Promise<RecoveredRun[]> {
  const engine = options.engine ?? (await sharedEngine());
  return withStore(project, options, async (store) => {
    const recovered: RecoveredRun[] = [];
    const running = await store.list({ status: 'running', limit: 100_000 });
    if (running.length === 0) return recovered;
    const pipeline = await loadPipeline(project, engine);
    const seen = new Set<string>();
    for (const run of running) {
      const key = `${run.asset}\n${run.partition ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const lease = await store.lease(run.asset, run.partition);
      if (lease !== undefined && lease.expiresAt > Date.now() && !ownerDied(lease.owner)) continue;
      const asset = pipeline.assets.find((a) => a.name === run.asset);
      const attempt = run.attempt ?? 1;
      if (asset !== undefined && attempt < (asset.retry?.attempts ?? 1)) recovered.push(await retryAborted(project, store, options, asset, run));
      else {
        const aborted = await abortUnderLease(store, run, (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000);
        recovered.push(...aborted.map((a) => ({ aborted: a })));
      }
    }
    return recovered;
  });
}

async function retryAborted(project: Project, store: AssetRunStore, options: ControlOptions, asset: ResolvedAsset, run: AssetRun): Promise<RecoveredRun> {
  const engine = options.engine ?? (await sharedEngine());
  try {
    const retry = await runSeries(runContext(project, engine, store, options), asset, run.partition, assetWork(project, store, asset, run.partition), {
      attempt: (run.attempt ?? 1) + 1,
      retryOf: run.retryOf ?? run.id,
      trigger: 'retry',
    });
    return { aborted: (await store.get(run.id)) ?? run, retry };
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return {
      aborted: (await store.get(run.id)) ?? run,
      retryError: { ...(code === undefined ? {} : { code }), message: error instanceof Error ? error.message : String(error) },
    };
  }
}

/** Take the lease of a dead run's asset and partition just long enough to mark its runs aborted. */
async function abortUnderLease(store: AssetRunStore, run: AssetRun, leaseMs: number): Promise<AssetRun[]> {
  const holder = `recover-${run.id}`;
  const taken = await acquireAssetLease(
    store,
    { asset: run.asset, ...(run.partition === undefined ? {} : { partition: run.partition }), holder, runId: holder },
    leaseMs,
  );
  if (!taken.acquired) return [];
  try {
    return await store.abortOrphans(run.asset, run.partition, holder, new Date().toISOString());
  } finally {
    await store.releaseLease(run.asset, run.partition, holder);
  }
}
