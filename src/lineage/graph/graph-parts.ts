import type { GraphDataset, GraphRun } from './graph-run.js';
import type { RestoredRuns } from './graph-state.js';
import type { LineageEdge, LineageNode } from './lineage-node.js';

/** A node and its edges (the edge objects are shared: each is in its source's `out` and its target's `in`). */
export interface Vertex {
  /** Undefined only for an id an edge named before its node was added. */
  node?: LineageNode;
  out: LineageEdge[];
  in: LineageEdge[];
  /** The outgoing edges by target, made once a node has many (a linear search is cheaper for a few). */
  outIndex?: Map<string, LineageEdge>;
}

/** Past this many outgoing edges a node's are found through a map. */
const INDEXED_DEGREE = 16;

export function findOut(vertex: Vertex, to: string): LineageEdge | undefined {
  if (vertex.out.length <= INDEXED_DEGREE) {
    for (const edge of vertex.out) if (edge.to === to) return edge;
    return undefined;
  }
  vertex.outIndex ??= new Map(vertex.out.map((e) => [e.to, e]));
  return vertex.outIndex.get(to);
}

/** A run and the node ids of its datasets (pairs, cheaper to build than maps). */
export interface RunNodes {
  run: GraphRun;
  inputs: [string, GraphDataset][];
  outputs: [string, GraphDataset][];
}

export interface TableState {
  namespace: string;
  name: string;
  versions: Map<number, string>;
  replaced: Set<number>;
  /** The version chain's edges, kept so that versions seen later can be chained in between. */
  chain: LineageEdge[];
  /** The highest version chained so far, and whether a version (or a replace) at or below it has been seen since. */
  chainedTo?: number;
  relink?: boolean;
}

/** What a LineageGraph holds, by reference: what `encodeGraph` reads and `decodeGraph` fills. */
export interface GraphParts {
  vertices: Map<string, Vertex>;
  runMap: Map<string, RunNodes>;
  tableMap: Map<string, TableState>;
  fieldMap: Map<string, Set<string>>;
  fieldSets: Map<string, Set<string>>;
  shortNames: Map<string, string>;
  orphans: Map<string, string[]>;
  runList: readonly GraphRun[];
  /** Runs a decoded graph has not made into objects yet; they come before `runList`. */
  restored: RestoredRuns | undefined;
}

/** The key of a table in a graph: its namespace and name. */
export function tableKey(dataset: { namespace: string; name: string }): string {
  return `${dataset.namespace}\n${dataset.name}`;
}
