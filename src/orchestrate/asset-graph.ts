import { sharedEngine, type Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import type { AssetKind, Partitions, Schedule } from './definition.js';
import { loadPipeline } from './pipeline.js';

/** A node of the graph: an asset, or a source table no asset produces (`kind: "table"`). */
export interface AssetGraphNode {
  name: string;
  kind: AssetKind | 'table';
  deps: string[];
  partitions?: Partitions;
  schedule?: Schedule;
  sensor?: { onUpstreamCommit: boolean };
  description?: string;
}

/** `aquifer assets graph --format json`: nodes in topological order (sources first), and an edge per dependency. */
export interface AssetGraph {
  assets: AssetGraphNode[];
  edges: { from: string; to: string }[];
}

/** The project's asset graph, checked: unknown dependencies, cycles and duplicates are typed errors naming the assets. */
export async function assetGraph(project: Project, options: { engine?: Engine } = {}): Promise<AssetGraph> {
  const pipeline = await loadPipeline(project, options.engine ?? (await sharedEngine()));
  const assets: AssetGraphNode[] = pipeline.sources.map((name) => ({ name, kind: 'table', deps: [] }));
  const edges: AssetGraph['edges'] = [];
  for (const asset of pipeline.assets) {
    assets.push({
      name: asset.name,
      kind: asset.kind,
      deps: asset.dependsOn,
      ...(asset.partitions === undefined ? {} : { partitions: asset.partitions }),
      ...(asset.schedule === undefined ? {} : { schedule: asset.schedule }),
      ...(asset.sensor === undefined ? {} : { sensor: asset.sensor }),
      ...(asset.description === undefined ? {} : { description: asset.description }),
    });
    for (const dependency of asset.dependsOn) edges.push({ from: dependency, to: asset.name });
  }
  return { assets, edges };
}
