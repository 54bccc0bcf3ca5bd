import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { sharedEngine, type Engine } from '../engine/index.js';
import { withJobRun } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { judgeRun, versionLookup } from './asset-status.js';
import { AssetRunFailedError } from './errors.js';
import { materialize } from './kinds/materialize.js';
import { checkPartition } from './partitions.js';
import { findAsset, loadPipeline, upstreamAssets, type ResolvedAsset } from './pipeline.js';
import type { AssetRun, AssetRunStore, AssetRunTrigger } from './run-store.js';
import { SqliteRunStore } from './sqlite-run-store.js';

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
}

/**
 * Run an asset: its SQL in DuckDB over the current versions of what it reads, written to
 * its table (overwritten whole, or only the partition asked for by replaceWhere), as one job
 * run (so lineage records it) and one run in the history. With `withUpstream`, upstream
 * assets that are not fresh run first. Returns every run made, the asset's own last; a run
 * that fails is recorded as failed, leaves its table as it was, and throws ASSET_RUN_FAILED
 * (upstream failures stop before the asset runs).
 */
export async function runAsset(project: Project, name: string, options: RunAssetOptions = {}): Promise<AssetRun[]> {
  const engine = options.engine ?? (await sharedEngine());
  const now = options.now ?? (() => new Date());
  const pipeline = await loadPipeline(project, engine);
  const target = findAsset(pipeline, name);
  if (options.partition !== undefined) checkPartition(target, options.partition, now());
  const store = options.store ?? SqliteRunStore.open(project.root);
  const trigger = options.trigger ?? 'manual';
  try {
    const runs: AssetRun[] = [];
    if (options.withUpstream === true)
      for (const upstream of upstreamAssets(pipeline, target)) {
        const partition = samePartitions(upstream, target) ? options.partition : undefined;
        if (await isFresh(project, engine, store, upstream, partition)) continue;
        runs.push(await runOne(project, engine, store, upstream, partition, { trigger }));
      }
    runs.push(await runOne(project, engine, store, target, options.partition, { trigger, id: options.runId }));
    return runs;
  } finally {
    if (options.store === undefined) await store.close();
  }
}

/** An upstream asset partitioned as the target is runs for the same partition; any other runs whole. */
function samePartitions(upstream: ResolvedAsset, target: ResolvedAsset): boolean {
  return upstream.partitions !== undefined && isDeepStrictEqual(upstream.partitions, target.partitions);
}

async function isFresh(project: Project, engine: Engine, store: AssetRunStore, asset: ResolvedAsset, partition: string | undefined): Promise<boolean> {
  const runs = await store.list({ asset: asset.name, limit: 1000 });
  const mine = runs.filter((r) => r.partition === partition);
  const status = await judgeRun(
    asset,
    partition,
    mine.find((r) => r.status !== 'running'),
    mine.find((r) => r.status === 'success'),
    versionLookup(project, engine, store),
  );
  return status.status === 'fresh';
}

async function runOne(
  project: Project,
  engine: Engine,
  store: AssetRunStore,
  asset: ResolvedAsset,
  partition: string | undefined,
  started: { trigger: AssetRunTrigger; id?: string | undefined },
): Promise<AssetRun> {
  const run: AssetRun = {
    id: started.id ?? randomUUID(),
    asset: asset.name,
    ...(partition === undefined ? {} : { partition }),
    trigger: started.trigger,
    startedAt: new Date().toISOString(),
    status: 'running',
    inputs: {},
  };
  await store.start(run);
  try {
    const outputVersion = await withJobRun(
      {
        name: `orchestrate.asset.${asset.name}`,
        type: 'ASSET',
        project: project.root,
        ...(asset.kind === 'sql' ? { sql: asset.sql } : {}),
        ...(asset.description === undefined ? {} : { description: asset.description }),
        parameters: { asset: asset.name, trigger: run.trigger, ...(partition === undefined ? {} : { partition }) },
      },
      () => materialize({ project, engine, store, asset, partition, inputs: run.inputs, now: new Date() }),
    );
    const finished: AssetRun = { ...run, status: 'success', finishedAt: new Date().toISOString(), outputVersion };
    await store.finish(run.id, finished);
    return finished;
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    await store.finish(run.id, {
      status: 'failed',
      finishedAt: new Date().toISOString(),
      inputs: run.inputs,
      error: { message, ...(code === undefined ? {} : { code }) },
    });
    throw new AssetRunFailedError(asset.name, run.id, error);
  }
}
