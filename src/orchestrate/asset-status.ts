import { sharedEngine, type Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { loadPipeline, type ResolvedAsset } from './pipeline.js';
import { filesInput } from './kinds/files-input.js';
import { currentVersion } from './project-tables.js';
import type { AssetLatest, AssetRunStore, AssetRunSummary } from './run-store.js';
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
  lastRun?: AssetRunSummary;
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

/** Keys of the summary by asset and partition, for looking up the ones asked for. */
export function latestByKey(latest: readonly AssetLatest[]): Map<string, AssetLatest> {
  return new Map(latest.map((l) => [runKey(l.asset, l.partition), l]));
}

export const runKey = (asset: string, partition: string | undefined) => `${asset}\n${partition ?? ''}`;

/**
 * The status of some partitions of one asset (undefined: the whole asset), judged as
 * assetStatus judges them, from the summary of just those keys: one store question, and the
 * inputs' current versions read once.
 */
export async function partitionStatus(
  project: Project,
  engine: Engine,
  store: AssetRunStore,
  asset: ResolvedAsset,
  partitions: readonly (string | undefined)[],
): Promise<AssetStatus[]> {
  const found = latestByKey(await store.latest(partitions.map((p) => ({ asset: asset.name, ...(p === undefined ? {} : { partition: p }) }))));
  let current: Promise<Map<string, number | undefined>> | undefined;
  const versions = () => (current ??= currentInputs(asset, versionLookup(project, engine, store)));
  const statuses: AssetStatus[] = [];
  for (const partition of partitions) statuses.push(await judgeLatest(asset, partition, found.get(runKey(asset.name, partition)), versions));
  return statuses;
}

/** The current version of each input an asset is judged on, read once per asset (VersionLookup caches across assets). */
export async function currentInputs(asset: ResolvedAsset, versions: VersionLookup): Promise<Map<string, number | undefined>> {
  const current = new Map<string, number | undefined>();
  for (const table of judgedInputs(asset)) current.set(table, await versions(table, asset));
  return current;
}

/**
 * Judge one asset and partition from its summary (its newest finished run, and the inputs its
 * newest success read): `never` without a success, `failed` when the newest finished run
 * failed, `stale` when an input's table is now newer than the version the success read, else
 * `fresh`. `current` is asked only when there is a success to compare (currentInputs).
 */
export async function judgeLatest(
  asset: ResolvedAsset,
  partition: string | undefined,
  latest: AssetLatest | undefined,
  current: () => Promise<ReadonlyMap<string, number | undefined>>,
): Promise<AssetStatus> {
  if (latest === undefined) return { name: asset.name, ...(partition === undefined ? {} : { partition }), status: 'never' };
  return judged(asset.name, latest, latest.finished.status === 'failed' || latest.successInputs === undefined ? undefined : await current());
}

/**
 * judgeLatest once the current versions are known (or not needed). `cache` keeps the verdict
 * per inputs object of one asset (summaries that read the same versions share one).
 */
function judged(
  name: string,
  latest: AssetLatest,
  current: ReadonlyMap<string, number | undefined> | undefined,
  cache?: Map<Readonly<Record<string, number>>, StaleInput[]>,
): AssetStatus {
  const entry: AssetStatus = { name, status: 'never', lastRun: latest.finished };
  if (latest.partition !== undefined) entry.partition = latest.partition;
  if (latest.finished.status === 'failed') {
    entry.status = 'failed';
    return entry;
  }
  const read = latest.successInputs;
  if (read === undefined || current === undefined) return entry;
  let stale = cache?.get(read);
  if (stale === undefined) {
    stale = staleAgainst(read, current);
    cache?.set(read, stale);
  }
  entry.status = stale.length === 0 ? 'fresh' : 'stale';
  // Each entry its own list: entries judged on the same versions share nothing mutable.
  if (stale.length > 0) entry.staleInputs = stale.map((s) => ({ ...s }));
  return entry;
}

function staleAgainst(read: Readonly<Record<string, number>>, current: ReadonlyMap<string, number | undefined>): StaleInput[] {
  const stale: StaleInput[] = [];
  for (const [table, now] of current) {
    if (now === undefined) continue;
    const version = read[table];
    if (version === undefined || now > version) stale.push({ table, ...(version === undefined ? {} : { read: version }), current: now });
  }
  return stale;
}

/** How many assets' input versions status reads at once. */
const VERSION_READS_AT_ONCE = 16;

/**
 * Where each asset and partition stands, in topological order: one `never` entry for an asset
 * that never ran. Reads the run store's summary (one row per asset and partition, not the
 * history), each input's current version once per asset, and judges each distinct set of
 * versions read once per asset: at 1,000 assets × 365 partitions most partitions of an asset
 * read the same versions.
 */
export async function assetStatus(project: Project, options: { engine?: Engine; store?: AssetRunStore } = {}): Promise<AssetStatus[]> {
  const engine = options.engine ?? (await sharedEngine());
  const pipeline = await loadPipeline(project, engine);
  const store = options.store ?? (await openRunStore(project));
  try {
    const byAsset = new Map<string, AssetLatest[]>();
    for (const latest of await store.latest()) {
      const keys = byAsset.get(latest.asset);
      if (keys === undefined) byAsset.set(latest.asset, [latest]);
      else keys.push(latest);
    }
    const versions = versionLookup(project, engine, store);
    // The inputs' current versions of every asset with a success to compare, read a few at a
    // time: each is a listing of a table's log, and 1,000 of them one after another waited on
    // the disk in turn.
    const needed = pipeline.assets.filter((a) => byAsset.get(a.name)?.some((k) => k.finished.status !== 'failed' && k.successInputs !== undefined));
    const currents = new Map<string, Map<string, number | undefined>>();
    for (let start = 0; start < needed.length; start += VERSION_READS_AT_ONCE)
      await Promise.all(needed.slice(start, start + VERSION_READS_AT_ONCE).map(async (a) => currents.set(a.name, await currentInputs(a, versions))));
    const entries: AssetStatus[] = [];
    for (const asset of pipeline.assets) {
      const keys = byAsset.get(asset.name);
      if (keys === undefined) {
        entries.push({ name: asset.name, status: 'never' });
        continue;
      }
      const current = currents.get(asset.name);
      const cache = new Map<Readonly<Record<string, number>>, StaleInput[]>();
      for (const latest of keys) entries.push(judged(asset.name, latest, current, cache));
    }
    return entries;
  } finally {
    if (options.store === undefined) await store.close();
  }
}
