import { randomUUID } from 'node:crypto';
import { engineFromEnvironment, sharedEngine, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { checkPartition } from './partitions.js';
import { findAsset, loadPipeline } from './pipeline.js';
import { runAsset } from './run-asset.js';
import type { AssetRunTrigger } from './run-store.js';
import { openRunStore } from './open-run-store.js';

export interface LaunchRunOptions {
  partition?: string;
  withUpstream?: boolean;
  trigger: AssetRunTrigger;
  engine?: Engine;
  now?: () => Date;
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
 * it, the definitions hold (typed errors, thrown here). The run then goes on alone; its end,
 * failure included, is in the run history under that id. When it never started (an upstream
 * run failed first, or another run held the asset), a failed run is recorded under the id
 * with the reason, so the caller who holds it always finds an end.
 */
export async function launchRun(project: Project, name: string, options: LaunchRunOptions): Promise<LaunchedRun> {
  const engine = options.engine ?? (await sharedEngine());
  const now = options.now ?? (() => new Date());
  const asset = findAsset(await loadPipeline(project, engine), name);
  if (options.partition !== undefined) checkPartition(asset, options.partition, now());
  const id = randomUUID();
  const partition = options.partition;
  const done = (async () => {
    const store = await openRunStore(project);
    // An engine of its own: a timeout or cancel interrupts the engine's connection, which would
    // also stop whatever else (another run, a request) was querying a shared one.
    const runEngine = await engineFromEnvironment(process.env);
    try {
      await runAsset(project, asset.name, {
        ...(partition === undefined ? {} : { partition }),
        withUpstream: options.withUpstream === true,
        trigger: options.trigger,
        runId: id,
        engine: runEngine,
        store,
        now,
      });
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
      const message = error instanceof Error ? error.message : String(error);
      log.warn({ asset: asset.name, runId: id, code }, `the run ${id} of ${asset.name} failed: ${message.split('\n')[0] ?? ''}`);
      if ((await store.get(id)) === undefined) {
        const at = new Date().toISOString();
        await store.start({
          id,
          asset: asset.name,
          ...(partition === undefined ? {} : { partition }),
          trigger: options.trigger,
          startedAt: at,
          status: 'running',
          inputs: {},
        });
        await store.finish(id, { status: 'failed', finishedAt: at, inputs: {}, error: { message, ...(code === undefined ? {} : { code }) } });
      }
    } finally {
      runEngine.close();
      await store.close();
    }
  })().catch((error: unknown) => log.error({ err: error, runId: id }, `the run ${id} could not be recorded`));
  return { id, asset: asset.name, ...(partition === undefined ? {} : { partition }), done };
}
