import type { Engine } from '../../engine/index.js';
import { log } from '../../log.js';
import type { Project } from '../../project/index.js';
import type { MonitorDefinition, RunAssetAction } from './definition.js';

/** What a `run_asset` action did: the asset's own run (the last of those runAsset made), or `skipped` when another run held it. */
export interface RunAssetOutcome {
  type: 'run_asset';
  asset: string;
  partition?: string;
  status: 'success' | 'skipped';
  runId: string;
  /** The table version the run wrote. */
  outputVersion?: number;
  /** The run that held the asset's lease, when skipped. */
  heldBy?: string;
}

/**
 * Orchestration, loaded on first use: a monitor without a `run_asset` action does not load the
 * asset kinds and their capabilities.
 */
const orchestrate = () => import('../../orchestrate/index.js');

/**
 * Run the action's asset through runAsset with trigger `monitor`: recorded in the run history
 * like a scheduled run, retried per its policy, under its lease. A run already going (another
 * process's, a scheduler's) is not doubled: the outcome is `skipped`, naming it. A failed run
 * throws (ASSET_RUN_FAILED; the action's outcome then holds the error). `signal` cancels the run
 * (a server shutting down): it is recorded `cancelled`.
 */
export async function runAssetFor(
  project: Project,
  engine: Engine,
  monitor: MonitorDefinition,
  action: RunAssetAction,
  signal: AbortSignal | undefined,
): Promise<RunAssetOutcome> {
  const { runAsset } = await orchestrate();
  const runs = await runAsset(project, action.asset, {
    engine,
    trigger: 'monitor',
    onBusy: 'skip',
    ...(action.partition === undefined ? {} : { partition: action.partition }),
    ...(action.withUpstream === undefined ? {} : { withUpstream: action.withUpstream }),
    ...(signal === undefined ? {} : { signal }),
  });
  const run = runs[runs.length - 1];
  if (run === undefined) throw new Error(`runAsset returned no run of ${action.asset}`);
  const status = run.status === 'skipped' ? 'skipped' : 'success';
  log.info(
    { monitor: monitor.name, asset: action.asset, partition: action.partition, runId: run.id, status, heldBy: run.heldBy },
    `monitor ${monitor.name}: ran ${action.asset}${action.partition === undefined ? '' : ` for ${action.partition}`}: ${status}`,
  );
  return {
    type: 'run_asset',
    asset: action.asset,
    ...(action.partition === undefined ? {} : { partition: action.partition }),
    status,
    runId: run.id,
    ...(run.outputVersion === undefined ? {} : { outputVersion: run.outputVersion }),
    ...(run.heldBy === undefined ? {} : { heldBy: run.heldBy }),
  };
}
