import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { readAssets } from './asset-files.js';
import { RUN_VERSIONED_KINDS, type Asset } from './definition.js';
import { AssetCycleError, AssetDependencyUnknownError, AssetNotFoundError } from './errors.js';
import { definitionReads, lazyFeatures, parseAssetSql } from './kinds/dependencies.js';
import { currentVersion } from './project-tables.js';

/** An asset with its dependencies resolved: each another asset's name or a source table of the project. */
export type ResolvedAsset = Asset & {
  /** What it depends on: the tables its definition reads, then its explicit deps; each once, assets by their own spelling. */
  dependsOn: string[];
  /** The dependencies whose version is their newest successful run's `outputVersion` (feature views, training sets, models, validations: RUN_VERSIONED_KINDS). */
  runVersioned: string[];
};

/** The project's assets in topological order (every asset after what it depends on), and the source tables they read. */
export interface Pipeline {
  assets: ResolvedAsset[];
  /** Project tables read that no asset produces, sorted. */
  sources: string[];
}

/**
 * Read the project's assets and resolve their dependencies: what each definition reads (a
 * SQL asset's tables, parsed by DuckDB's own parser; a feature view's source; a training
 * set's views and entity SQL; a model's training set; see kinds/dependencies.ts) and its explicit `deps`. A name is an asset (compared
 * without case, as SQL does) or else an existing table of the project; anything else is
 * ASSET_DEPENDENCY_UNKNOWN naming the asset, and a cycle is ASSET_CYCLE naming its assets.
 */
export async function loadPipeline(project: Project, engine: Engine): Promise<Pipeline> {
  const assets = await readAssets(project);
  const byName = new Map(assets.map((a) => [a.name.toLowerCase(), a]));
  const sources = new Set<string>();
  const known = new Map<string, boolean>();
  const resolved: ResolvedAsset[] = [];
  const context = { project, engine, assets, features: lazyFeatures(project), parsed: await parseAssetSql(engine, assets) };
  for (const asset of assets) {
    const reads = await definitionReads(asset, context);
    const dependsOn: string[] = [];
    const runVersioned: string[] = [];
    for (const name of [...reads, ...(asset.deps ?? [])]) {
      const producer = byName.get(name.toLowerCase());
      const dependency = producer?.name ?? name;
      if (dependsOn.includes(dependency)) continue;
      if (producer === undefined) {
        let exists = known.get(name);
        if (exists === undefined) {
          exists = (await currentVersion(project, engine, name)) !== undefined;
          known.set(name, exists);
        }
        if (!exists) throw new AssetDependencyUnknownError(asset.name, name);
        sources.add(name);
      } else if (RUN_VERSIONED_KINDS.has(producer.kind)) runVersioned.push(dependency);
      dependsOn.push(dependency);
    }
    resolved.push({ ...asset, dependsOn, runVersioned });
  }
  return { assets: topologicalOrder(resolved), sources: [...sources].sort() };
}

/** Definition order kept where dependencies allow (a depth-first walk); a cycle is ASSET_CYCLE with its assets in order. */
function topologicalOrder(assets: readonly ResolvedAsset[]): ResolvedAsset[] {
  const byName = new Map(assets.map((a) => [a.name, a]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: ResolvedAsset[] = [];
  const path: string[] = [];
  // Iterative, so a chain of thousands of assets does not overflow the stack.
  for (const root of assets) {
    if (state.has(root.name)) continue;
    const stack: { asset: ResolvedAsset; next: number }[] = [{ asset: root, next: 0 }];
    state.set(root.name, 'visiting');
    path.push(root.name);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { asset: ResolvedAsset; next: number };
      const dependency = top.asset.dependsOn[top.next++];
      if (dependency === undefined) {
        stack.pop();
        path.pop();
        state.set(top.asset.name, 'done');
        order.push(top.asset);
        continue;
      }
      const child = byName.get(dependency);
      if (child === undefined) continue;
      const seen = state.get(child.name);
      if (seen === 'visiting') throw new AssetCycleError(path.slice(path.indexOf(child.name)));
      if (seen === 'done') continue;
      state.set(child.name, 'visiting');
      path.push(child.name);
      stack.push({ asset: child, next: 0 });
    }
  }
  return order;
}

/** One asset of the pipeline by name (compared without case), or ASSET_NOT_FOUND. */
export function findAsset(pipeline: Pipeline, name: string): ResolvedAsset {
  const asset = pipeline.assets.find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (asset === undefined)
    throw new AssetNotFoundError(
      name,
      pipeline.assets.map((a) => a.name),
    );
  return asset;
}

/** The assets `target` depends on, directly or not, in topological order (target excluded). */
export function upstreamAssets(pipeline: Pipeline, target: ResolvedAsset): ResolvedAsset[] {
  const needed = new Set<string>();
  const visit = [target.name];
  const byName = new Map(pipeline.assets.map((a) => [a.name, a]));
  while (visit.length > 0) {
    const asset = byName.get(visit.pop() as string);
    for (const dependency of asset?.dependsOn ?? [])
      if (byName.has(dependency) && !needed.has(dependency)) {
        needed.add(dependency);
        visit.push(dependency);
      }
  }
  return pipeline.assets.filter((a) => needed.has(a.name));
}
