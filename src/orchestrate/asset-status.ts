import { sharedEngine, type Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { loadPipeline, type ResolvedAsset } from './pipeline.js';
import { filesInput } from './kinds/files-input.js';
import { currentVersion } from './project-tables.js';
import type { AssetRun, AssetRunStore } from './run-store.js';
import { openRunStore } from './open-run-store.js';

export type AssetFreshness = 'never' | 'failed' | 'stale' | 'fresh';

/** An input whose table moved on since the last successful run read it (`read` absent: that run did not read it at all). */
export interface StaleInput {
  table: string;
  read?: number;
  current: number;
}

/** `aquifer assets status --format json`: one entry per asset, or per asset and partition it ran for. */
export interface AssetStatus {
  name: string;
  partition?: string;
  status: AssetFreshness;
  lastRun?: Pick<AssetRun, 'id' | 'status' | 'startedAt' | 'finishedAt' | 'outputVersion'>;
  staleInputs?: StaleInput[];
}

/**
 * The current version of an input, each read once per status question: a table's version;
 * for an input `asset` records as run-versioned (a feature view, training set, model,
 * validation), the output version of its newest successful run (`store` needed); for an
 * ingest asset's files, how many are not loaded yet.
 */
export type VersionLookup = (input: string, asset?: ResolvedAsset) => Promise<number | undefined>;

export function versionLookup(project: Project, engine: Engine, store?: AssetRunStore): VersionLookup {
  const cache = new Map<string, Promise<number | undefined>>();
  return (input, asset) => {
    const runVersioned = store !== undefined && asset?.runVersioned.includes(input) === true;
    const files = asset?.kind === 'ingest' && input === filesInput(asset);
    const key = `${runVersioned ? 'run' : files ? `files:${asset.name}` : 'table'}\n${input}`;
    let version = cache.get(key);
    if (version === undefined) {
      version = runVersioned
        ? lastOutputVersion(store, input)
        : files
          ? import('./kinds/ingest-kind.js').then((kind) => kind.pendingFiles(project, engine, asset))
          : currentVersion(project, engine, input);
      cache.set(key, version);
    }
    return version;
  };
}

/** The output version of an asset's newest successful whole run, if any. */
export async function lastOutputVersion(store: AssetRunStore, asset: string): Promise<number | undefined> {
  const runs = await store.list({ asset, limit: 1000 });
  return runs.find((r) => r.status === 'success' && r.partition === undefined)?.outputVersion;
}

/** What an asset's freshness is judged on: its dependencies, and an ingest asset's files. */
export function judgedInputs(asset: ResolvedAsset): string[] {
  return asset.kind === 'ingest' ? [...asset.dependsOn, filesInput(asset)] : asset.dependsOn;
}

/**
 * Judge one asset and partition from its newest finished run and newest successful one:
 * `never` without a success, `failed` when the newest finished run failed, `stale` when an
 * input's table is now newer than the version the success read, else `fresh`.
 */
export async function judgeRun(
  asset: ResolvedAsset,
  partition: string | undefined,
  lastFinished: AssetRun | undefined,
  lastSuccess: AssetRun | undefined,
  versions: VersionLookup,
): Promise<AssetStatus> {
  const entry: AssetStatus = { name: asset.name, ...(partition === undefined ? {} : { partition }), status: 'never' };
  if (lastFinished !== undefined) entry.lastRun = summary(lastFinished);
  if (lastFinished?.status === 'failed') return { ...entry, status: 'failed' };
  if (lastSuccess === undefined) return entry;
  const staleInputs: StaleInput[] = [];
  for (const table of judgedInputs(asset)) {
    const current = await versions(table, asset);
    if (current === undefined) continue;
    const read = lastSuccess.inputs[table];
    if (read === undefined || current > read) staleInputs.push({ table, ...(read === undefined ? {} : { read }), current });
  }
  return staleInputs.length === 0 ? { ...entry, status: 'fresh' } : { ...entry, status: 'stale', staleInputs };
}

function summary(run: AssetRun): NonNullable<AssetStatus['lastRun']> {
  return {
    id: run.id,
    status: run.status,
    startedAt: run.startedAt,
    ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
    ...(run.outputVersion === undefined ? {} : { outputVersion: run.outputVersion }),
  };
}

/** Where each asset and partition stands, in topological order: one `never` entry for an asset that never ran. */
export async function assetStatus(project: Project, options: { engine?: Engine; store?: AssetRunStore } = {}): Promise<AssetStatus[]> {
  const engine = options.engine ?? (await sharedEngine());
  const pipeline = await loadPipeline(project, engine);
  const store = options.store ?? (await openRunStore(project));
  try {
    const key = (run: AssetRun) => `${run.asset}\n${run.partition ?? ''}`;
    // Grouped by asset once: filtering every finished run per asset was O(assets × partitions).
    const finished = new Map<string, AssetRun[]>();
    const latest = await store.latestFinished();
    for (const run of latest) {
      const runs = finished.get(run.asset);
      if (runs === undefined) finished.set(run.asset, [run]);
      else runs.push(run);
    }
    // A newest finished run that succeeded is the newest success too, and a failed one is judged
    // without it; only a cancelled or aborted newest run needs the store's second question.
    const succeeded = new Map(latest.filter((r) => r.status === 'success').map((r) => [key(r), r]));
    if (latest.some((r) => r.status === 'cancelled' || r.status === 'aborted')) for (const run of await store.latestSuccessful()) succeeded.set(key(run), run);
    const versions = versionLookup(project, engine, store);
    const entries: AssetStatus[] = [];
    for (const asset of pipeline.assets) {
      const runs = finished.get(asset.name) ?? [];
      if (runs.length === 0) {
        entries.push({ name: asset.name, status: 'never' });
        continue;
      }
      for (const run of runs) entries.push(await judgeRun(asset, run.partition, run, succeeded.get(key(run)), versions));
    }
    return entries;
  } finally {
    if (options.store === undefined) await store.close();
  }
}
