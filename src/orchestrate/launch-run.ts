import { randomUUID } from 'node:crypto';
import { sharedEngine, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { checkPartition } from './partitions.js';
import { findAsset, loadPipeline } from './pipeline.js';
import { runAsset } from './run-asset.js';
import type { AssetRunStore, AssetRunTrigger } from './run-store.js';
import { openRunStore } from './open-run-store.js';
import { AssetRunInProgressError } from './errors.js';
import { ownerDied } from './run-lease.js';
import { withRunEngine } from './run-engine.js';

export interface LaunchRunOptions {
  partition?: string;
  withUpstream?: boolean;
  trigger: AssetRunTrigger;
  engine?: Engine;
  now?: () => Date;
  /**
   * Refuse with ASSET_RUN_IN_PROGRESS, before anything starts, while another run holds the
   * asset's (and partition's) lease, instead of launching a run that would fail on it.
   */
  refuseBusy?: boolean;
  /**
   * Called once the asset and partition are checked, before the run starts (synchronously, so
   * two launches cannot both pass it): may refuse by throwing. Returns what to call when the
   * launched run has ended (or did not start).
   */
  admit?: (asset: string, partition: string | undefined) => () => void;
}

/** A run started and not waited for: its id (the asset's own run) and a promise that settles when it ends, never rejecting. */
export interface LaunchedRun {
  id: string;
  asset: string;
  partition?: string;
  done: Promise<void>;
}

/**
 * Start a run of an asset and return its id before it ends (for `POST /v1/runs`). What can be
 * checked first is checked before anything starts: the asset exists, the partition is one of
 * it, the definitions hold, and with `refuseBusy` that no other run holds it (typed errors,
 * thrown here). The run then goes on alone, on an engine of its own; its end, failure
 * included, is in the run history under that id. When it never started (an upstream run
 * failed first, or another run took the asset meanwhile), a failed run is recorded under the
 * id with the reason, so the caller who holds it always finds an end.
 */
export async function launchRun(project: Project, name: string, options: LaunchRunOptions): Promise<LaunchedRun> {
  const engine = options.engine ?? (await sharedEngine());
  const now = options.now ?? (() => new Date());
  const asset = findAsset(await loadPipeline(project, engine), name);
  const partition = options.partition;
  if (partition !== undefined) checkPartition(asset, partition, now());
  const release = options.admit?.(asset.name, partition) ?? (() => undefined);
  let store: AssetRunStore;
  try {
    store = await openRunStore(project);
  } catch (error) {
    release();
    throw error;
  }
  try {
    if (options.refuseBusy === true) {
      const lease = await store.lease(asset.name, partition);
      if (lease !== undefined && lease.expiresAt > Date.now() && !ownerDied(lease.owner)) throw new AssetRunInProgressError(asset.name, partition, lease.runId);
    }
  } catch (error) {
    release();
    await store.close();
    throw error;
  }
  const id = randomUUID();
  const done = withRunEngine((runEngine) =>
    runAsset(project, asset.name, {
      ...(partition === undefined ? {} : { partition }),
      withUpstream: options.withUpstream === true,
      trigger: options.trigger,
      runId: id,
      engine: runEngine,
      store,
      now,
    }),
  )
    .then(
      () => undefined,
      (error: unknown) => recordNeverStarted(store, id, asset.name, partition, options.trigger, error),
    )
    .finally(async () => {
      release();
      await store.close();
    })
    .catch((error: unknown) => log.error({ err: error, runId: id }, `the run ${id} could not be recorded`));
  return { id, asset: asset.name, ...(partition === undefined ? {} : { partition }), done };
}

/** A launched run that failed: logged, and recorded failed under its id when it never started. */
async function recordNeverStarted(
  store: AssetRunStore,
  id: string,
  asset: string,
  partition: string | undefined,
  trigger: AssetRunTrigger,
  error: unknown,
): Promise<void> {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  log.warn({ asset, runId: id, code }, `the run ${id} of ${asset} failed: ${message.split('\n')[0] ?? ''}`);
  if ((await store.get(id)) !== undefined) return;
  const at = new Date().toISOString();
  await store.start({ id, asset, ...(partition === undefined ? {} : { partition }), trigger, startedAt: at, status: 'running', inputs: {} });
  await store.finish(id, { status: 'failed', finishedAt: at, inputs: {}, error: { message, ...(code === undefined ? {} : { code }) } });
}
