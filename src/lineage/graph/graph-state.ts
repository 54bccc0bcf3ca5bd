import type { GraphDataset, GraphRun } from './graph-run.js';
import { tableKey, type GraphParts, type RunNodes, type TableState, type Vertex } from './graph-parts.js';
import type { LineageEdge, LineageNode } from './lineage-node.js';

/**
 * A graph as plain data, quick to parse and to make objects from again: vertices in the
 * order they were added, edges as vertex and edge indices, and the runs as the JSON text of
 * a GraphRun array, parsed only when something asks for a run (`LineageGraph.run`, a column
 * question, a rename of tables), not for upstream or downstream of a node.
 */
export interface GraphState {
  /**
   * Each vertex in the order it was added, as numbers: its node's shape (an index into
   * `shapes`, the node's keys in order) and each value (an index into `values`), or -1 and
   * its id's value when it has no node. Few values are distinct (a table's name, path and
   * namespace repeat in each of its versions), so each is parsed once.
   */
  nodes: Numbers;
  shapes: (keyof LineageNode)[][];
  values: (string | number)[];
  /** Per vertex, how many edges leave it; then every edge, grouped by source in vertex order: its target and its job (an index into `jobs`, -1 for none). */
  outDegree: Numbers;
  edgeTo: Numbers;
  edgeJob: Numbers;
  jobs: string[];
  /** Per vertex, how many edges enter it, and which (indices of the edges above), in order. */
  inDegree: Numbers;
  inEdges: Numbers;
  tables: EncodedTable[];
  /** The distinct column sets, the key of each shared one, and each node's (vertex index, set index). */
  fieldSets: string[][];
  fieldKeys: [string, number][];
  fields: Numbers;
  shortNames: [string, string][];
  orphans: [string, string[]][];
  /** How many runs `runs` holds, and each run node: its vertex, its run's index, then its inputs and outputs, each a count and (vertex, dataset index) pairs. */
  runCount: number;
  runNodes: Numbers;
}

interface EncodedTable {
  namespace: string;
  name: string;
  /** (version, vertex index) pairs, in the map's order. */
  versions: number[];
  replaced: number[];
  /** Edge indices. */
  chain: number[];
  chainedTo?: number;
  relink?: boolean;
}

/** A list of whole numbers: an array, or a typed array over a snapshot file's bytes. */
export type Numbers = ArrayLike<number>;

/** The parts of a GraphState that are lists of numbers (a snapshot file keeps them as binary, not text). */
export const NUMBER_LISTS = ['nodes', 'outDegree', 'edgeTo', 'edgeJob', 'inDegree', 'inEdges', 'fields', 'runNodes'] as const;

/** The runs of a decoded graph, kept as text until a run is asked for. */
export interface RestoredRuns {
  /** JSON of a GraphRun array. */
  json: Uint8Array;
  count: number;
  runNodes: Numbers;
  /** The decoded graph's vertex ids, which `runNodes` index. */
  ids: readonly string[];
}

/** Something inside a snapshot does not fit together: the snapshot is not used. */
export class GraphStateError extends Error {}

/**
 * Fill an empty graph's parts from its state: every vertex, edge, table and column set, as
 * they were, in the same order. The runs stay text (returned), for `restoreRuns` to parse
 * when one is asked for.
 */
export function decodeGraph(state: GraphState, runs: Uint8Array, parts: GraphParts): RestoredRuns {
  const count = state.outDegree.length;
  if (state.inDegree.length !== count || state.edgeJob.length !== state.edgeTo.length) throw new GraphStateError('the vertex and edge lists differ in length');
  const ids = new Array<string>(count);
  const vertices = new Array<Vertex>(count);
  const { nodes, shapes, values } = state;
  const valueAt = (index: number | undefined): string | number => {
    const value = index === undefined ? undefined : values[index];
    if (value === undefined) throw new GraphStateError(`no value ${String(index)}`);
    return value;
  };
  let p = 0;
  for (let i = 0; i < count; i++) {
    const shape = nodes[p++] as number;
    let vertex: Vertex;
    if (shape < 0) vertex = { out: [], in: [] };
    else {
      const keys = shapes[shape];
      if (keys === undefined) throw new GraphStateError(`no node shape ${shape}`);
      const node: Record<string, string | number> = {};
      for (const key of keys) node[key] = valueAt(nodes[p++]);
      vertex = { node: node as unknown as LineageNode, out: [], in: [] };
    }
    const id = shape < 0 ? valueAt(nodes[p++]) : vertex.node?.id;
    if (typeof id !== 'string') throw new GraphStateError(`vertex ${i} has no id`);
    ids[i] = id;
    vertices[i] = vertex;
    parts.vertices.set(id, vertex);
  }
  if (p !== nodes.length) throw new GraphStateError('the nodes do not fit the vertices');
  if (parts.vertices.size !== count) throw new GraphStateError('two vertices share an id');
  const idAt = (index: number | undefined): string => {
    const id = index === undefined ? undefined : ids[index];
    if (id === undefined) throw new GraphStateError(`no vertex ${String(index)}`);
    return id;
  };
  const edges = new Array<LineageEdge>(state.edgeTo.length);
  let e = 0;
  // Each vertex's lists made at their length: most vertices have one or two edges, and a list grown by push would hold room for many.
  for (let i = 0; i < count; i++) {
    const from = ids[i] as string;
    const degree = state.outDegree[i] as number;
    if (degree === 0) continue;
    const out = new Array<LineageEdge>(degree);
    for (let k = 0; k < degree; k++, e++) {
      const to = idAt(state.edgeTo[e]);
      const job = state.edgeJob[e] as number;
      if (job >= state.jobs.length) throw new GraphStateError(`no job ${job}`);
      const edge: LineageEdge = job < 0 ? { from, to } : { from, to, job: state.jobs[job] as string };
      out[k] = edge;
      edges[e] = edge;
    }
    (vertices[i] as Vertex).out = out;
  }
  if (e !== edges.length) throw new GraphStateError('the edges do not fit the vertices');
  const edgeAt = (index: number | undefined): LineageEdge => {
    const edge = index === undefined ? undefined : edges[index];
    if (edge === undefined) throw new GraphStateError(`no edge ${String(index)}`);
    return edge;
  };
  let k = 0;
  for (let i = 0; i < count; i++) {
    const degree = state.inDegree[i] as number;
    if (degree === 0) continue;
    const into = new Array<LineageEdge>(degree);
    for (let d = 0; d < degree; d++) into[d] = edgeAt(state.inEdges[k++]);
    (vertices[i] as Vertex).in = into;
  }
  if (k !== state.inEdges.length) throw new GraphStateError('the incoming edges do not fit the vertices');
  for (const t of state.tables) {
    const versions = new Map<number, string>();
    for (let i = 0; i < t.versions.length; i += 2) versions.set(t.versions[i] as number, idAt(t.versions[i + 1]));
    const table: TableState = { namespace: t.namespace, name: t.name, versions, replaced: new Set(t.replaced), chain: t.chain.map(edgeAt) };
    if (t.chainedTo !== undefined) table.chainedTo = t.chainedTo;
    if (t.relink !== undefined) table.relink = t.relink;
    parts.tableMap.set(tableKey(table), table);
  }
  const sets = state.fieldSets.map((fields) => new Set(fields));
  const setAt = (index: number | undefined): Set<string> => {
    const set = index === undefined ? undefined : sets[index];
    if (set === undefined) throw new GraphStateError(`no column set ${String(index)}`);
    return set;
  };
  for (const [key, set] of state.fieldKeys) parts.fieldSets.set(key, setAt(set));
  for (let i = 0; i < state.fields.length; i += 2) parts.fieldMap.set(idAt(state.fields[i]), setAt(state.fields[i + 1]));
  for (const [key, name] of state.shortNames) parts.shortNames.set(key, name);
  for (const [parent, children] of state.orphans) parts.orphans.set(parent, [...children]);
  // The run nodes are checked now, so a list that does not fit is found before the graph answers anything.
  forEachRunNode(state.runNodes, ids, (_key, start) => {
    const run = state.runNodes[start + 1] as number;
    if (!(run >= 0 && run < state.runCount)) throw new GraphStateError(`no run ${run}`);
  });
  return { json: runs, count: state.runCount, runNodes: state.runNodes, ids };
}

/**
 * Parse a decoded graph's runs and add its run nodes to the graph's (a newer run of the same id
 * keeps its place); the runs, in the order they were added, come back.
 */
export function restoreRuns(restored: RestoredRuns, parts: GraphParts): GraphRun[] {
  const runs = JSON.parse(new TextDecoder().decode(restored.json)) as GraphRun[];
  if (!Array.isArray(runs) || runs.length !== restored.count) throw new GraphStateError(`the snapshot's runs are not ${restored.count}`);
  const list = restored.runNodes;
  // In the order a graph that was never saved has them: the restored runs' nodes, then the newer ones (one of the same id in its place).
  const newer = [...parts.runMap];
  parts.runMap.clear();
  forEachRunNode(list, restored.ids, (key, start) => {
    const run = runs[list[start + 1] as number] as GraphRun;
    let i = start + 2;
    const side = (datasets: readonly GraphDataset[]): [string, GraphDataset][] => {
      const pairs: [string, GraphDataset][] = [];
      for (let n = list[i++] as number; n > 0; n--, i += 2) {
        const id = restored.ids[list[i] as number];
        const dataset = datasets[list[i + 1] as number];
        if (id === undefined || dataset === undefined) throw new GraphStateError(`run node ${key} names a dataset its run does not have`);
        pairs.push([id, dataset]);
      }
      return pairs;
    };
    const inputs = side(run.inputs);
    parts.runMap.set(key, { run, inputs, outputs: side(run.outputs) });
  });
  for (const [key, nodes] of newer) parts.runMap.set(key, nodes);
  return runs;
}

/** The graph's parts as plain data, and its runs as JSON (the restored runs' text reused, not parsed). */
export function encodeGraph(parts: GraphParts): { state: GraphState; runs: Uint8Array } {
  const index = new Map<string, number>();
  const nodes: number[] = [];
  const shapes: (keyof LineageNode)[][] = [];
  const shapeIndex = new Map<string, number>();
  const values: (string | number)[] = [];
  const valueIndex = new Map<string | number, number>();
  const value = (v: string | number): number => {
    let at = valueIndex.get(v);
    if (at === undefined) valueIndex.set(v, (at = values.push(v) - 1));
    return at;
  };
  for (const [id, vertex] of parts.vertices) {
    index.set(id, index.size);
    const node = vertex.node;
    if (node === undefined) {
      nodes.push(-1, value(id));
      continue;
    }
    const keys = (Object.keys(node) as (keyof LineageNode)[]).filter((key) => node[key] !== undefined);
    const shapeKey = keys.join(',');
    let shape = shapeIndex.get(shapeKey);
    if (shape === undefined) shapeIndex.set(shapeKey, (shape = shapes.push(keys) - 1));
    nodes.push(shape);
    for (const key of keys) nodes.push(value(node[key] as string | number));
  }
  const vertexIndex = (id: string): number => {
    const at = index.get(id);
    if (at === undefined) throw new GraphStateError(`${id} is not a vertex`);
    return at;
  };
  const outDegree: number[] = [];
  const edgeTo: number[] = [];
  const edgeJob: number[] = [];
  const jobs: string[] = [];
  const jobIndex = new Map<string, number>();
  const edgeIndex = new Map<LineageEdge, number>();
  for (const vertex of parts.vertices.values()) {
    outDegree.push(vertex.out.length);
    for (const edge of vertex.out) {
      edgeIndex.set(edge, edgeTo.length);
      edgeTo.push(vertexIndex(edge.to));
      if (edge.job === undefined) edgeJob.push(-1);
      else {
        let job = jobIndex.get(edge.job);
        if (job === undefined) jobIndex.set(edge.job, (job = jobs.push(edge.job) - 1));
        edgeJob.push(job);
      }
    }
  }
  const edgeAt = (edge: LineageEdge): number => {
    const at = edgeIndex.get(edge);
    if (at === undefined) throw new GraphStateError(`the edge ${edge.from} → ${edge.to} is not a vertex's`);
    return at;
  };
  const inDegree: number[] = [];
  const inEdges: number[] = [];
  for (const vertex of parts.vertices.values()) {
    inDegree.push(vertex.in.length);
    for (const edge of vertex.in) inEdges.push(edgeAt(edge));
  }
  const tables: EncodedTable[] = [...parts.tableMap.values()].map((t) => ({
    namespace: t.namespace,
    name: t.name,
    versions: [...t.versions].flatMap(([v, id]) => [v, vertexIndex(id)]),
    replaced: [...t.replaced],
    chain: t.chain.map(edgeAt),
    ...(t.chainedTo === undefined ? {} : { chainedTo: t.chainedTo }),
    ...(t.relink === undefined ? {} : { relink: t.relink }),
  }));
  const setIndex = new Map<Set<string>, number>();
  const fieldSets: string[][] = [];
  const setAt = (set: Set<string>): number => {
    let at = setIndex.get(set);
    if (at === undefined) setIndex.set(set, (at = fieldSets.push([...set]) - 1));
    return at;
  };
  const fieldKeys: [string, number][] = [...parts.fieldSets].map(([key, set]) => [key, setAt(set)]);
  const fields = [...parts.fieldMap].flatMap(([id, set]) => [vertexIndex(id), setAt(set)]);
  const { runs, runCount, runNodes } = encodeRuns(parts, vertexIndex);
  return {
    state: {
      nodes,
      shapes,
      values,
      outDegree,
      edgeTo,
      edgeJob,
      jobs,
      inDegree,
      inEdges,
      tables,
      fieldSets,
      fieldKeys,
      fields,
      shortNames: [...parts.shortNames],
      orphans: [...parts.orphans].map(([parent, children]) => [parent, [...children]]),
      runCount,
      runNodes,
    },
    runs,
  };
}

function encodeRuns(parts: GraphParts, vertexIndex: (id: string) => number): { runs: Uint8Array; runCount: number; runNodes: number[] } {
  const restored = parts.restored;
  const offset = restored?.count ?? 0;
  const runNodes: number[] = [];
  const runIndex = new Map<GraphRun, number>();
  parts.runList.forEach((run, i) => runIndex.set(run, offset + i));
  const encode = (key: string, nodes: RunNodes) => {
    const at = runIndex.get(nodes.run);
    if (at === undefined) throw new GraphStateError(`the run ${nodes.run.runId} is not in the run list`);
    runNodes.push(vertexIndex(key), at);
    for (const [pairs, datasets] of [
      [nodes.inputs, nodes.run.inputs],
      [nodes.outputs, nodes.run.outputs],
    ] as const) {
      runNodes.push(pairs.length);
      for (const [id, dataset] of pairs) {
        const d = datasets.indexOf(dataset);
        if (d < 0) throw new GraphStateError(`a dataset of run ${nodes.run.runId} is not one of its own`);
        runNodes.push(vertexIndex(id), d);
      }
    }
  };
  // Restored run nodes come first, where restoring them would put them: one a newer run of the same id replaced, with the newer run.
  const encoded = new Set<string>();
  if (restored !== undefined)
    forEachRunNode(restored.runNodes, restored.ids, (key, start, end) => {
      const newer = parts.runMap.get(key);
      if (newer !== undefined) {
        encoded.add(key);
        encode(key, newer);
        return;
      }
      runNodes.push(vertexIndex(key), restored.runNodes[start + 1] as number);
      for (let i = start + 2; i < end;) {
        const count = restored.runNodes[i++] as number;
        runNodes.push(count);
        for (let j = 0; j < count; j++, i += 2)
          runNodes.push(vertexIndex(restored.ids[restored.runNodes[i] as number] as string), restored.runNodes[i + 1] as number);
      }
    });
  for (const [key, nodes] of parts.runMap) if (!encoded.has(key)) encode(key, nodes);
  const added = parts.runList.length === 0 ? undefined : Buffer.from(JSON.stringify(parts.runList));
  return { runs: joinJsonArrays(restored?.json, added), runCount: offset + parts.runList.length, runNodes };
}

/**
 * Call `visit` with each run node of a flattened `runNodes` list: its key (the run's vertex
 * id) and its bounds, `[vertex, run index, inputs…, outputs…]`, each side a count and pairs.
 */
export function forEachRunNode(runNodes: Numbers, ids: readonly string[], visit: (key: string, start: number, end: number) => void): void {
  for (let i = 0; i < runNodes.length;) {
    const start = i;
    const key = ids[runNodes[i] as number];
    i += 2;
    for (let side = 0; side < 2; side++) {
      const count = runNodes[i++];
      if (count === undefined || !Number.isInteger(count) || count < 0) throw new GraphStateError('the run nodes end early');
      i += 2 * count;
    }
    if (key === undefined || i > runNodes.length) throw new GraphStateError('the run nodes do not fit the vertices');
    visit(key, start, i);
  }
}

/** Two JSON arrays' texts as one (`[a…]` and `[b…]` to `[a…,b…]`), without parsing either. */
function joinJsonArrays(a: Uint8Array | undefined, b: Uint8Array | undefined): Uint8Array {
  const items = (text: Uint8Array | undefined) => (text === undefined || text.length <= 2 ? undefined : text.subarray(1, text.length - 1));
  const [x, y] = [items(a), items(b)];
  if (x === undefined && y === undefined) return Buffer.from('[]');
  if (x === undefined || y === undefined) return Buffer.concat([Buffer.from('['), (x ?? y) as Uint8Array, Buffer.from(']')]);
  return Buffer.concat([Buffer.from('['), x, Buffer.from(','), y, Buffer.from(']')]);
}
