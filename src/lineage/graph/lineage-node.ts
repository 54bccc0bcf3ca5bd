/** What the lineage queries answer with: nodes and the edges between them (input → run → output). */
export type LineageNodeType =
  'table' | 'file' | 'stream' | 'http' | 'run' | 'feature-view' | 'training-set' | 'model' | 'predictions' | 'online-store' | 'suite' | 'dataset';

export interface LineageNode {
  /** Stable across queries of the same events: `table:events@4`, `model:churn@1`, `file:/data/a.csv`, `kafka:orders:0:0-99`, `run:<runId>`. */
  id: string;
  type: LineageNodeType;
  /** A table's, model's, view's or set's name; a file's file name; a topic; a run's job name. */
  name: string;
  /** A table, training set or model version. */
  version?: string;
  /** A file's path (an absolute path, or a URL for object stores); a table's location. */
  path?: string;
  /** The OpenLineage namespace of the dataset (absent for runs). */
  namespace?: string;
  /** A source file's size in bytes and digest, from the aquifer_sourceFile facet. */
  size?: number;
  sha256?: string;
  /** A stream range: the partition (Kafka) or shard (Kinesis) and its first and last positions, inclusive. */
  partition?: string;
  from?: string;
  to?: string;
  /** A run: when it completed. */
  time?: string;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** The job of the run the edge goes into or out of; absent on a table's version chain (rows carried from one version to the next). */
  job?: string;
}

export interface LineageResult {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** Nodes by id, edges by from, to and job: the same events give the same bytes. */
export function sortedResult(nodes: Iterable<LineageNode>, edges: Iterable<LineageEdge>): LineageResult {
  const byId = (a: LineageNode, b: LineageNode) => compare(a.id, b.id);
  const byEnds = (a: LineageEdge, b: LineageEdge) => compare(a.from, b.from) || compare(a.to, b.to) || compare(a.job ?? '', b.job ?? '');
  return { nodes: [...nodes].sort(byId), edges: [...edges].sort(byEnds) };
}

/** Code-unit order, not locale order: the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
