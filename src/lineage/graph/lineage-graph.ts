import type { OpenLineageRunEvent } from '../openlineage.js';
import { graphRun, LOGICAL_PREFIXES, type GraphDataset, type GraphRun } from './graph-run.js';
import { findOut, tableKey, type GraphParts, type RunNodes, type TableState, type Vertex } from './graph-parts.js';
import { decodeGraph, encodeGraph, restoreRuns, type GraphState, type RestoredRuns } from './graph-state.js';
import { downstream, impact, upstream } from './queries.js';
import { compare, sortedResult, type LineageEdge, type LineageNode, type LineageResult } from './lineage-node.js';

/** An input or output of a run as the graph read it. */
export type RunDataset = GraphDataset;

/** One completed run, and which of its datasets became which nodes. */
export interface RunRecord {
  run: GraphRun;
  inputs: ReadonlyMap<string, RunDataset>;
  outputs: ReadonlyMap<string, RunDataset>;
}

/** One table (by its OpenLineage namespace and name) and the node of each version seen. */
export interface TableRecord {
  namespace: string;
  name: string;
  /** The last path segment, which is what projects call a table (`tables/events` is `events`). */
  shortName: string;
  /** The name in its node ids: the short name, or the whole name where two tables share a short name. */
  idName: string;
  versions: ReadonlyMap<number, string>;
}

/**
 * The lineage of a project as a graph: dataset versions, source files, stream ranges and
 * runs, with an edge from each input to its run and from the run to each output, and from
 * each table version to the next one that carried its rows over. Built from COMPLETE events
 * only: a run that failed or was aborted produced nothing. A graph can be extended with runs
 * completed later (`extend`), and then equals the graph built from all of them at once.
 */
export class LineageGraph {
  /** Each node with its edges: one map entry and two short arrays per node, cheaper to build than maps of maps. */
  private readonly vertices = new Map<string, Vertex>();
  /** Each run and the node ids of its datasets (pairs, cheaper to build than maps; `run()` makes the maps when asked). */
  private readonly runMap = new Map<string, RunNodes>();
  private readonly records = new Map<string, RunRecord>();
  private readonly tableMap = new Map<string, TableState>();
  private readonly fieldMap = new Map<string, Set<string>>();
  /** One set per distinct column list: most nodes of a table share theirs. Never changed once made. */
  private readonly fieldSets = new Map<string, Set<string>>();
  private readonly shortNames = new Map<string, string>();
  /** Runs whose parent run was not (yet) in the graph, by the parent's run id. */
  private readonly orphans = new Map<string, string[]>();
  private runList: GraphRun[] = [];
  /** A restored graph's runs, parsed when one is first needed; they come before `runList`. */
  private restored: RestoredRuns | undefined;

  private constructor() {}

  /**
   * The graph as plain data (`GraphState`) and its runs as JSON, for a snapshot on disk;
   * `LineageGraph.restore` makes the same graph again, which `extend` grows as it would this one.
   */
  save(): { state: GraphState; runs: Uint8Array } {
    return encodeGraph(this.parts());
  }

  /** The graph `save` gave; throws GraphStateError when the state does not fit together. */
  static restore(state: GraphState, runs: Uint8Array): LineageGraph {
    const graph = new LineageGraph();
    graph.restored = decodeGraph(state, runs, graph.parts());
    return graph;
  }

  private parts(): GraphParts {
    const { vertices, runMap, tableMap, fieldMap, fieldSets, shortNames, orphans, runList, restored } = this;
    return { vertices, runMap, tableMap, fieldMap, fieldSets, shortNames, orphans, runList, restored };
  }

  /** Parse a restored graph's runs: a question about runs (columns, a run's datasets) or a rename of tables needs them. */
  private restoreRuns(): void {
    const restored = this.restored;
    if (restored === undefined) return;
    this.runList = restoreRuns(restored, this.parts()).concat(this.runList);
    this.restored = undefined;
  }

  static fromEvents(events: Iterable<OpenLineageRunEvent>): LineageGraph {
    const runs: GraphRun[] = [];
    for (const event of events) if (event.eventType === 'COMPLETE') runs.push(graphRun(event));
    return LineageGraph.fromRuns(runs);
  }

  /** The graph of completed runs (as the lineage log keeps them beside their events, or `graphRun` makes them). */
  static fromRuns(runs: Iterable<GraphRun>): LineageGraph {
    const graph = new LineageGraph();
    graph.extend(runs);
    return graph;
  }

  /** Add runs that completed after the ones in the graph. */
  extend(runs: Iterable<GraphRun>): void {
    const added = [...runs];
    if (added.length === 0) return;
    if (!this.nameTables(added)) {
      // A new table shares its short name with one already in the graph, whose node ids change: start again.
      this.restoreRuns();
      const all = [...this.runList, ...added];
      this.clear();
      this.nameTables(all);
      this.add(all);
      return;
    }
    this.add(added);
  }

  private add(runs: readonly GraphRun[]): void {
    const touched = new Set<TableState>();
    for (const run of runs) this.addRun(run, touched);
    for (const run of runs) this.linkParent(run);
    for (const table of touched) this.chainVersions(table);
    for (const run of runs) if (isPrediction(run)) this.markPredictions(run);
  }

  private clear(): void {
    for (const map of [this.vertices, this.runMap, this.records, this.tableMap, this.fieldMap, this.fieldSets, this.shortNames, this.orphans]) map.clear();
    this.runList = [];
    this.restored = undefined;
  }

  /** What a node was made from: `model:NAME@VERSION`, `training-set:NAME[@V]`, `feature-view:NAME`, a table `NAME[@VERSION]`. */
  upstream(node: string): LineageResult {
    return upstream(this, node);
  }

  /** What a source reached: a file path, `kafka:TOPIC[:PARTITION[:FROM-TO]]`, a table `NAME[@VERSION]`, a column `TABLE.COLUMN`. */
  downstream(source: string): LineageResult {
    return downstream(this, source);
  }

  /** The feature views, training sets, suites and models that read a column `TABLE.COLUMN`. */
  impact(column: string): LineageResult {
    return impact(this, column);
  }

  node(id: string): LineageNode | undefined {
    return this.vertices.get(id)?.node;
  }

  get nodes(): readonly LineageNode[] {
    const nodes: LineageNode[] = [];
    for (const vertex of this.vertices.values()) if (vertex.node !== undefined) nodes.push(vertex.node);
    return nodes;
  }

  /** Every edge, in no particular order. */
  get edges(): readonly LineageEdge[] {
    return [...this.vertices.values()].flatMap((v) => v.out);
  }

  /** The ids this node feeds (runs it was read by, outputs of a run, the next table version). */
  successors(id: string): readonly string[] {
    return (this.vertices.get(id)?.out ?? []).map((e) => e.to).sort(compare);
  }

  predecessors(id: string): readonly string[] {
    return (this.vertices.get(id)?.in ?? []).map((e) => e.from).sort(compare);
  }

  /** The nodes reachable from the start along incoming (`in`) or outgoing (`out`) edges, the start included. */
  reach(start: readonly string[], direction: 'in' | 'out'): Set<string> {
    const seen = new Set<string>(start);
    const queue = [...start];
    for (let i = 0; i < queue.length; i++) {
      const vertex = this.vertices.get(queue[i] as string);
      if (vertex === undefined) continue;
      if (direction === 'in') {
        for (const edge of vertex.in)
          if (!seen.has(edge.from)) {
            seen.add(edge.from);
            queue.push(edge.from);
          }
      } else
        for (const edge of vertex.out)
          if (!seen.has(edge.to)) {
            seen.add(edge.to);
            queue.push(edge.to);
          }
    }
    return seen;
  }

  edge(from: string, to: string): LineageEdge | undefined {
    const vertex = this.vertices.get(from);
    return vertex === undefined ? undefined : findOut(vertex, to);
  }

  /** The run a `run:` node stands for, with its datasets. */
  run(id: string): RunRecord | undefined {
    const known = this.records.get(id);
    if (known !== undefined) return known;
    this.restoreRuns();
    const nodes = this.runMap.get(id);
    if (nodes === undefined) return undefined;
    const record = { run: nodes.run, inputs: new Map(nodes.inputs), outputs: new Map(nodes.outputs) };
    this.records.set(id, record);
    return record;
  }

  /** Every table seen, each with its versions. */
  get tables(): readonly TableRecord[] {
    return [...this.tableMap.entries()].map(([key, t]) => ({
      namespace: t.namespace,
      name: t.name,
      shortName: shortName(t.name),
      idName: this.shortNames.get(key) ?? t.name,
      versions: t.versions,
    }));
  }

  /** The columns a node's schema facets named, where any did. */
  fields(id: string): ReadonlySet<string> | undefined {
    return this.fieldMap.get(id);
  }

  /** The subgraph of the given nodes, with every edge between two of them. */
  subgraph(ids: ReadonlySet<string>, edges?: Iterable<LineageEdge>): LineageResult {
    const nodes = [...ids].map((id) => this.vertices.get(id)?.node).filter((n): n is LineageNode => n !== undefined);
    let kept: Iterable<LineageEdge> | undefined = edges;
    if (kept === undefined) {
      const between: LineageEdge[] = [];
      for (const id of ids) for (const edge of this.vertices.get(id)?.out ?? []) if (ids.has(edge.to)) between.push(edge);
      kept = between;
    }
    return sortedResult(nodes, kept);
  }

  private addRun(run: GraphRun, touched: Set<TableState>): void {
    this.runList.push(run);
    const runId = `run:${run.runId}`;
    const job = run.job;
    this.addNode({ id: runId, type: 'run', name: job, time: run.time });
    const inputs: [string, RunDataset][] = [];
    const outputs: [string, RunDataset][] = [];
    for (const input of run.inputs) this.datasetNodes(input, false, touched, inputs);
    for (const [id] of inputs) this.addEdge({ from: id, to: runId, job });
    for (const output of run.outputs) this.datasetNodes(output, true, touched, outputs);
    for (const [id] of outputs) this.addEdge({ from: runId, to: id, job });
    if (isValidation(run) && !outputs.some(([id]) => id.startsWith('suite:'))) {
      // A validation names its suite only in its job; the suite is what the run produced.
      const suite = job.replace(/^quality\.validate\./, '');
      this.addNode({ id: `suite:${suite}`, type: 'suite', name: suite });
      this.addEdge({ from: runId, to: `suite:${suite}`, job });
    }
    this.runMap.set(runId, { run, inputs, outputs });
    this.records.delete(runId);
  }

  /** The nodes one dataset of a run stands for (one per table version written, one per stream range read), added to `into` with it. */
  private datasetNodes(dataset: GraphDataset, output: boolean, touched: Set<TableState>, into: [string, RunDataset][]): void {
    const kind = dataset.kind;
    const version = dataset.version;
    const add = (node: LineageNode) => this.addDatasetNode(node, dataset, into);
    const namespace = dataset.namespace;
    switch (kind) {
      case 'table':
      case 'predictions': {
        const key = tableKey(dataset);
        let table = this.tableMap.get(key);
        if (table === undefined) {
          table = { namespace, name: dataset.name, versions: new Map<number, string>(), replaced: new Set<number>(), chain: [] };
          this.tableMap.set(key, table);
        }
        const id = this.shortNames.get(key) ?? dataset.name;
        const versions = output && dataset.versions !== undefined ? dataset.versions : version === undefined ? [] : [Number(version)];
        const prefix = kind === 'table' ? 'table' : 'predictions';
        const type = kind === 'table' ? 'table' : 'predictions';
        if (versions.length === 0 || versions.some((v) => !Number.isInteger(v))) {
          add({
            id: `${prefix}:${id}${version === undefined ? '' : `@${version}`}`,
            type,
            name: id,
            path: dataset.name,
            namespace,
            ...(version === undefined ? {} : { version }),
          });
          break;
        }
        for (const v of versions) {
          const nodeId = `${prefix}:${id}@${v}`;
          if (table.versions.get(v) !== nodeId) {
            table.versions.set(v, nodeId);
            touched.add(table);
            if (table.chainedTo !== undefined && v <= table.chainedTo) table.relink = true;
          }
          add({ id: nodeId, type, name: id, version: String(v), path: dataset.name, namespace });
        }
        if (output && dataset.replaces === true) {
          const last = versions[versions.length - 1] as number;
          if (!table.replaced.has(last)) {
            table.replaced.add(last);
            touched.add(table);
            if (table.chainedTo !== undefined && last <= table.chainedTo) table.relink = true;
          }
        }
        break;
      }
      case 'file': {
        const path = namespace === 'file' ? dataset.name : `${namespace.replace(/\/+$/, '')}/${dataset.name.replace(/^\/+/, '')}`;
        const { sha256, size } = dataset;
        add({
          id: `file:${path}${sha256 === undefined ? '' : `#${sha256.slice(0, 12)}`}`,
          type: 'file',
          name: path.split('/').pop() ?? path,
          path,
          namespace,
          ...(size === undefined ? {} : { size }),
          ...(sha256 === undefined ? {} : { sha256 }),
        });
        break;
      }
      case 'kafka':
      case 'kinesis': {
        const ranges = dataset.ranges ?? [];
        if (ranges.length === 0) add({ id: `${kind}:${dataset.name}`, type: 'stream', name: dataset.name, namespace });
        for (const r of ranges)
          add({
            id: `${kind}:${dataset.name}:${r.partition}:${r.from}-${r.to}`,
            type: 'stream',
            name: dataset.name,
            partition: r.partition,
            from: r.from,
            to: r.to,
            namespace,
          });
        break;
      }
      case 'model':
      case 'training-set':
      case 'feature-view':
      case 'online-store':
      case 'suite': {
        const name = logicalName(dataset.name);
        add({ id: `${kind}:${name}${version === undefined ? '' : `@${version}`}`, type: kind, name, namespace, ...(version === undefined ? {} : { version }) });
        break;
      }
      case 'http':
        add({ id: `http:${namespace}/${dataset.name.replace(/^\/+/, '')}`, type: 'http', name: dataset.name, namespace });
        break;
      default:
        add({
          id: `dataset:${namespace}/${dataset.name}${version === undefined ? '' : `@${version}`}`,
          type: 'dataset',
          name: dataset.name,
          namespace,
          ...(version === undefined ? {} : { version }),
        });
    }
  }

  private addDatasetNode(node: LineageNode, dataset: GraphDataset, into: [string, RunDataset][]): void {
    this.addNode(node);
    if (dataset.fields !== undefined) this.addFields(node.id, dataset.fields);
    into.push([node.id, dataset]);
  }

  /** A run started inside another (a commit inside an ingest) passes on what the outer run read; the outer run may complete later. */
  private linkParent(run: GraphRun): void {
    const id = `run:${run.runId}`;
    for (const child of this.orphans.get(run.runId) ?? []) this.addEdge({ from: id, to: child });
    this.orphans.delete(run.runId);
    if (run.parent === undefined) return;
    if (this.vertices.get(`run:${run.parent}`)?.node !== undefined) this.addEdge({ from: `run:${run.parent}`, to: id });
    else this.orphans.set(run.parent, [...(this.orphans.get(run.parent) ?? []), id]);
  }

  /** Each table version feeds the next one seen, unless that one replaced the table's rows. */
  private chainVersions(table: TableState): void {
    let versions = [...table.versions.keys()].sort((a, b) => a - b);
    if (table.relink === true || table.chainedTo === undefined) {
      for (const edge of table.chain) this.removeEdge(edge);
      table.chain = [];
    } else {
      // Only versions after the last one chained are new: chain on from it.
      const from = versions.indexOf(table.chainedTo);
      versions = versions.slice(from);
    }
    table.relink = false;
    const top = versions[versions.length - 1];
    if (top !== undefined) table.chainedTo = top;
    for (let i = 1; i < versions.length; i++) {
      const v = versions[i] as number;
      if (table.replaced.has(v)) continue;
      const edge = { from: table.versions.get(versions[i - 1] as number) as string, to: table.versions.get(v) as string };
      if (this.addEdge(edge)) table.chain.push(edge);
    }
  }

  /** A table a prediction run writes is a prediction table, though the table layer reported it as a table. */
  private markPredictions(run: GraphRun): void {
    for (const [id] of this.runMap.get(`run:${run.runId}`)?.outputs ?? []) {
      const node = this.vertices.get(id)?.node;
      if (node?.type === 'table') node.type = 'predictions';
    }
  }

  private addNode(node: LineageNode): void {
    const vertex = this.vertices.get(node.id);
    const known = vertex?.node;
    if (vertex === undefined) this.vertices.set(node.id, { node, out: [], in: [] });
    else if (known === undefined) vertex.node = node;
    else if (node.type === 'run' && node.time !== undefined) known.time = node.time;
  }

  private addFields(id: string, fields: readonly string[]): void {
    const known = this.fieldMap.get(id);
    if (known === undefined) {
      const key = fields.join('\n');
      let shared = this.fieldSets.get(key);
      if (shared === undefined) this.fieldSets.set(key, (shared = new Set(fields)));
      this.fieldMap.set(id, shared);
    } else if (fields.some((f) => !known.has(f))) this.fieldMap.set(id, new Set([...known, ...fields]));
  }

  /** Whether the edge is new. */
  private addEdge(edge: LineageEdge): boolean {
    const from = this.vertex(edge.from);
    if (findOut(from, edge.to) !== undefined) return false;
    from.out.push(edge);
    from.outIndex?.set(edge.to, edge);
    this.vertex(edge.to).in.push(edge);
    return true;
  }

  private removeEdge(edge: LineageEdge): void {
    const from = this.vertices.get(edge.from);
    const to = this.vertices.get(edge.to);
    if (from !== undefined) {
      from.out = from.out.filter((e) => e.to !== edge.to);
      from.outIndex?.delete(edge.to);
    }
    if (to !== undefined) to.in = to.in.filter((e) => e.from !== edge.from);
  }

  private vertex(id: string): Vertex {
    let vertex = this.vertices.get(id);
    if (vertex === undefined) this.vertices.set(id, (vertex = { out: [], in: [] }));
    return vertex;
  }

  /**
   * Name the tables the runs add: each by its last path segment, or its whole name where two
   * tables share that segment. False when a new table's name changes the name of one already named.
   */
  private nameTables(runs: readonly GraphRun[]): boolean {
    const keys = new Map<string, string>();
    for (const run of runs)
      for (const list of [run.inputs, run.outputs])
        for (const d of list) if ((d.kind === 'table' || d.kind === 'predictions') && !this.shortNames.has(tableKey(d))) keys.set(tableKey(d), d.name);
    if (keys.size === 0) return true;
    const counts = new Map<string, number>();
    const count = (name: string) => counts.set(shortName(name), (counts.get(shortName(name)) ?? 0) + 1);
    for (const table of this.tableMap.values()) count(table.name);
    for (const name of keys.values()) count(name);
    for (const [key, idName] of this.shortNames) {
      const table = this.tableMap.get(key);
      if (table !== undefined && idName !== (counts.get(shortName(table.name)) === 1 ? shortName(table.name) : table.name)) return false;
    }
    for (const [key, name] of keys) this.shortNames.set(key, counts.get(shortName(name)) === 1 ? shortName(name) : name);
    return true;
  }
}

function isValidation(run: GraphRun): boolean {
  return run.job.startsWith('quality.validate.') || run.jobType === 'VALIDATION';
}

function isPrediction(run: GraphRun): boolean {
  return run.job.startsWith('models.predict.') || run.jobType === 'PREDICT';
}

function logicalName(name: string): string {
  for (const prefix of Object.keys(LOGICAL_PREFIXES)) if (name.startsWith(prefix)) return name.slice(prefix.length);
  return name;
}

function shortName(name: string): string {
  return name.replace(/\/+$/, '').split('/').pop() ?? name;
}
