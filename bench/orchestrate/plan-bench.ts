import type { Engine } from '../../src/engine/index.js';
import { assetGraph, loadPipeline, readAssets } from '../../src/orchestrate/index.js';
import type { Project } from '../../src/project/index.js';
import { describePipelines, planPipelines } from '../../src/cli/commands/pipeline-plan.js';
import { edgesOf, trivialAssets, writePipelines, type Shape } from './shapes.js';
import { timed } from './timing.js';

export interface PlanFigures {
  shape: Shape;
  assets: number;
  /** readAssets: the files read and each asset checked against the schema. */
  read: { ms: number; spread: [number, number] };
  /** loadPipeline: read + each SQL's tables (DuckDB's parser) + sources checked + topological order. */
  load: { ms: number; spread: [number, number] };
  /** assetGraph: loadPipeline + the graph's nodes and edges. */
  graph: { ms: number; spread: [number, number] };
  /** What `aquifer plan` does for pipelines: readAssets + assetGraph + the tree it prints. */
  plan: { ms: number; spread: [number, number] };
  /** Raw limit: Kahn's topological sort of the same edges in plain JS. */
  raw: { ms: number; spread: [number, number] };
}

/** Kahn's algorithm over name edges: the least any planner must do. */
export function topologicalSort(nodes: readonly string[], edges: readonly [string, string][]): string[] {
  const indegree = new Map(nodes.map((n) => [n, 0]));
  const out = new Map<string, string[]>();
  for (const [from, to] of edges) {
    indegree.set(to, (indegree.get(to) ?? 0) + 1);
    const list = out.get(from);
    if (list === undefined) out.set(from, [to]);
    else list.push(to);
  }
  const ready = nodes.filter((n) => indegree.get(n) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const node = ready.pop() as string;
    order.push(node);
    for (const next of out.get(node) ?? []) {
      const left = (indegree.get(next) as number) - 1;
      indegree.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length !== nodes.length) throw new Error('cycle');
  return order;
}

export async function planBench(project: Project, engine: Engine, shape: Shape, count: number, rounds: number): Promise<PlanFigures> {
  const assets = trivialAssets(shape, count);
  await writePipelines(project, assets);
  const { nodes, edges } = edgesOf(assets);
  const read = await timed(rounds, () => readAssets(project));
  const load = await timed(rounds, () => loadPipeline(project, engine));
  const graph = await timed(rounds, () => assetGraph(project, { engine }));
  let printed = '';
  const plan = await timed(rounds, async () => {
    printed = describePipelines(await planPipelines(project));
  });
  if (!printed.includes(`${count} assets`)) throw new Error(`plan did not find the ${count} assets: ${printed.slice(0, 300)}`);
  const raw = await timed(rounds, () => Promise.resolve(topologicalSort(nodes, edges)));
  const loaded = await loadPipeline(project, engine);
  if (loaded.assets.length !== count) throw new Error(`loadPipeline found ${loaded.assets.length} assets, not ${count}`);
  return { shape, assets: count, read, load, graph, plan, raw };
}
