import type { DatasetKind } from '../../observe/index.js';
import type { Facets, OpenLineageDataset, OpenLineageInputDataset, OpenLineageOutputDataset, OpenLineageRunEvent } from '../openlineage.js';
import { datasetKind } from '../run-event.js';
import { downstream, impact, upstream } from './queries.js';
import { compare, sortedResult, type LineageEdge, type LineageNode, type LineageResult } from './lineage-node.js';

/** An input or output of a run as its event gave it. */
export type RunDataset = OpenLineageInputDataset & OpenLineageOutputDataset;

/** One completed run: the event, and which of its datasets became which nodes. */
export interface RunRecord {
  event: OpenLineageRunEvent;
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
 * The commits that replace a table's rows instead of carrying them over, so the version
 * before is not upstream of the one they wrote: the Delta operation recorded in
 * aquifer_tableVersions is CREATE OR REPLACE TABLE or RESTORE, or the facet's `mode` says
 * Overwrite (a whole-table overwrite, which Delta records as WRITE; a replaceWhere overwrite
 * keeps the other partitions, so it carries over like an append). When a run wrote several
 * versions the operation is that of the last commit, so only the last version is judged by
 * it; the earlier ones carry over.
 */
const REPLACING_OPERATIONS: ReadonlySet<string> = new Set(['CREATE OR REPLACE TABLE', 'RESTORE']);

const LOGICAL_PREFIXES: Readonly<Record<string, DatasetKind>> = {
  'models/': 'model',
  'training-sets/': 'training-set',
  'feature-views/': 'feature-view',
  'online-store/': 'online-store',
  'quality/': 'suite',
};

/**
 * The lineage of a project as a graph: dataset versions, source files, stream ranges and
 * runs, with an edge from each input to its run and from the run to each output, and from
 * each table version to the next one that carried its rows over. Built from COMPLETE events
 * only: a run that failed or was aborted produced nothing.
 */
export class LineageGraph {
  private readonly nodeMap = new Map<string, LineageNode>();
  private readonly edgeMap = new Map<string, LineageEdge>();
  private readonly outgoing = new Map<string, Set<string>>();
  private readonly incoming = new Map<string, Set<string>>();
  private readonly runMap = new Map<string, RunRecord>();
  private readonly tableMap = new Map<string, { namespace: string; name: string; versions: Map<number, string>; replaced: Set<number> }>();
  private readonly fieldMap = new Map<string, Set<string>>();
  private shortNames = new Map<string, string>();

  private constructor() {}

  static fromEvents(events: Iterable<OpenLineageRunEvent>): LineageGraph {
    const graph = new LineageGraph();
    const complete = [...events].filter((e) => e.eventType === 'COMPLETE');
    graph.shortNames = tableIds(complete);
    for (const event of complete) graph.addRun(event);
    graph.linkParents(complete);
    graph.chainVersions();
    graph.markPredictions();
    return graph;
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
    return this.nodeMap.get(id);
  }

  get nodes(): readonly LineageNode[] {
    return [...this.nodeMap.values()];
  }

  /** The ids this node feeds (runs it was read by, outputs of a run, the next table version). */
  successors(id: string): readonly string[] {
    return [...(this.outgoing.get(id) ?? [])].sort(compare);
  }

  predecessors(id: string): readonly string[] {
    return [...(this.incoming.get(id) ?? [])].sort(compare);
  }

  edge(from: string, to: string): LineageEdge | undefined {
    return this.edgeMap.get(`${from}\n${to}`);
  }

  /** The run a `run:` node stands for, with its datasets. */
  run(id: string): RunRecord | undefined {
    return this.runMap.get(id);
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
    const nodes = [...ids].map((id) => this.nodeMap.get(id)).filter((n): n is LineageNode => n !== undefined);
    const kept = edges ?? [...this.edgeMap.values()].filter((e) => ids.has(e.from) && ids.has(e.to));
    return sortedResult(nodes, kept);
  }

  private addRun(event: OpenLineageRunEvent): void {
    const runId = `run:${event.run.runId}`;
    const job = event.job.name;
    this.addNode({ id: runId, type: 'run', name: job, time: event.eventTime });
    const inputs = new Map<string, RunDataset>();
    const outputs = new Map<string, RunDataset>();
    for (const input of event.inputs)
      for (const id of this.datasetNodes(input, input.inputFacets, false)) {
        inputs.set(id, input);
        this.addEdge({ from: id, to: runId, job });
      }
    for (const output of event.outputs)
      for (const id of this.datasetNodes(output, output.outputFacets, true)) {
        outputs.set(id, output);
        this.addEdge({ from: runId, to: id, job });
      }
    if (isValidation(event) && ![...outputs.keys()].some((id) => id.startsWith('suite:'))) {
      // A validation names its suite only in its job; the suite is what the run produced.
      const suite = job.replace(/^quality\.validate\./, '');
      this.addNode({ id: `suite:${suite}`, type: 'suite', name: suite });
      this.addEdge({ from: runId, to: `suite:${suite}`, job });
    }
    this.runMap.set(runId, { event, inputs, outputs });
  }

  /** The node ids one dataset of a run stands for: one per table version written, one per stream range read. */
  private datasetNodes(dataset: OpenLineageDataset, extra: Facets | undefined, output: boolean): string[] {
    const kind = kindOf(dataset);
    const facets = dataset.facets ?? {};
    const version = stringField(facets['version'], 'datasetVersion');
    const fields = schemaFields(facets);
    const ids: string[] = [];
    const add = (node: LineageNode) => {
      this.addNode(node);
      if (fields !== undefined) {
        const known = this.fieldMap.get(node.id) ?? new Set<string>();
        for (const f of fields) known.add(f);
        this.fieldMap.set(node.id, known);
      }
      ids.push(node.id);
    };
    const base = { namespace: dataset.namespace };
    switch (kind) {
      case 'table':
      case 'predictions': {
        const key = tableKey(dataset);
        const table = this.tableMap.get(key) ?? {
          namespace: dataset.namespace,
          name: dataset.name,
          versions: new Map<number, string>(),
          replaced: new Set<number>(),
        };
        this.tableMap.set(key, table);
        const id = this.shortNames.get(key) ?? dataset.name;
        const versions = output ? tableVersions(facets, version) : version === undefined ? [] : [Number(version)];
        const prefix = kind === 'table' ? 'table' : 'predictions';
        const type = kind === 'table' ? 'table' : 'predictions';
        if (versions.length === 0 || versions.some((v) => !Number.isInteger(v))) {
          add({
            id: `${prefix}:${id}${version === undefined ? '' : `@${version}`}`,
            type,
            name: id,
            path: dataset.name,
            ...base,
            ...(version === undefined ? {} : { version }),
          });
          break;
        }
        for (const v of versions) {
          const nodeId = `${prefix}:${id}@${v}`;
          table.versions.set(v, nodeId);
          add({ id: nodeId, type, name: id, version: String(v), path: dataset.name, ...base });
        }
        if (output && replaces(facets)) table.replaced.add(versions[versions.length - 1] as number);
        break;
      }
      case 'file': {
        const path = dataset.namespace === 'file' ? dataset.name : `${dataset.namespace.replace(/\/+$/, '')}/${dataset.name.replace(/^\/+/, '')}`;
        const source = facets['aquifer_sourceFile'];
        const sha256 = stringField(source, 'sha256');
        const size = source !== undefined && typeof source['size'] === 'number' ? source['size'] : undefined;
        add({
          id: `file:${path}${sha256 === undefined ? '' : `#${sha256.slice(0, 12)}`}`,
          type: 'file',
          name: path.split('/').pop() ?? path,
          path,
          ...base,
          ...(size === undefined ? {} : { size }),
          ...(sha256 === undefined ? {} : { sha256 }),
        });
        break;
      }
      case 'kafka':
      case 'kinesis': {
        const ranges = streamRanges(extra);
        if (ranges.length === 0) add({ id: `${kind}:${dataset.name}`, type: 'stream', name: dataset.name, ...base });
        for (const r of ranges)
          add({
            id: `${kind}:${dataset.name}:${r.partition}:${r.from}-${r.to}`,
            type: 'stream',
            name: dataset.name,
            partition: r.partition,
            from: r.from,
            to: r.to,
            ...base,
          });
        break;
      }
      case 'model':
      case 'training-set':
      case 'feature-view':
      case 'online-store':
      case 'suite': {
        const name = logicalName(dataset.name);
        add({ id: `${kind}:${name}${version === undefined ? '' : `@${version}`}`, type: kind, name, ...base, ...(version === undefined ? {} : { version }) });
        break;
      }
      case 'http':
        add({ id: `http:${dataset.namespace}/${dataset.name.replace(/^\/+/, '')}`, type: 'http', name: dataset.name, ...base });
        break;
      default:
        add({
          id: `dataset:${dataset.namespace}/${dataset.name}${version === undefined ? '' : `@${version}`}`,
          type: 'dataset',
          name: dataset.name,
          ...base,
          ...(version === undefined ? {} : { version }),
        });
    }
    return ids;
  }

  /** A run started inside another (a commit inside an ingest) passes on what the outer run read. */
  private linkParents(events: readonly OpenLineageRunEvent[]): void {
    for (const event of events) {
      const parent = event.run.facets?.['parent']?.['run'];
      const parentId = typeof parent === 'object' && parent !== null && 'runId' in parent ? String(parent.runId) : undefined;
      if (parentId !== undefined && this.nodeMap.has(`run:${parentId}`)) this.addEdge({ from: `run:${parentId}`, to: `run:${event.run.runId}` });
    }
  }

  /** Each table version feeds the next one seen, unless that one replaced the table's rows. */
  private chainVersions(): void {
    for (const table of this.tableMap.values()) {
      const versions = [...table.versions.keys()].sort((a, b) => a - b);
      for (let i = 1; i < versions.length; i++) {
        const v = versions[i] as number;
        if (table.replaced.has(v)) continue;
        this.addEdge({ from: table.versions.get(versions[i - 1] as number) as string, to: table.versions.get(v) as string });
      }
    }
  }

  /** A table a prediction run writes is a prediction table, though the table layer reported it as a table. */
  private markPredictions(): void {
    for (const record of this.runMap.values()) {
      if (!isPrediction(record.event)) continue;
      for (const id of record.outputs.keys()) {
        const node = this.nodeMap.get(id);
        if (node?.type === 'table') node.type = 'predictions';
      }
    }
  }

  private addNode(node: LineageNode): void {
    const known = this.nodeMap.get(node.id);
    if (known === undefined) this.nodeMap.set(node.id, node);
    else if (node.type === 'run' && node.time !== undefined) known.time = node.time;
  }

  private addEdge(edge: LineageEdge): void {
    const key = `${edge.from}\n${edge.to}`;
    if (this.edgeMap.has(key)) return;
    this.edgeMap.set(key, edge);
    (this.outgoing.get(edge.from) ?? this.outgoing.set(edge.from, new Set()).get(edge.from))?.add(edge.to);
    (this.incoming.get(edge.to) ?? this.incoming.set(edge.to, new Set()).get(edge.to))?.add(edge.from);
  }
}

function isValidation(event: OpenLineageRunEvent): boolean {
  return event.job.name.startsWith('quality.validate.') || event.job.facets?.['jobType']?.['jobType'] === 'VALIDATION';
}

function isPrediction(event: OpenLineageRunEvent): boolean {
  return event.job.name.startsWith('models.predict.') || event.job.facets?.['jobType']?.['jobType'] === 'PREDICT';
}

function kindOf(dataset: OpenLineageDataset): DatasetKind | undefined {
  const kind = datasetKind(dataset);
  if (kind !== undefined) return kind;
  // Events from other producers carry no Aquifer subtype: guess from the naming conventions.
  if (dataset.namespace.startsWith('kafka://')) return 'kafka';
  if (dataset.namespace.startsWith('kinesis://')) return 'kinesis';
  if (dataset.facets?.['aquifer_sourceFile'] !== undefined) return 'file';
  if (dataset.namespace.startsWith('aquifer://'))
    for (const [prefix, logical] of Object.entries(LOGICAL_PREFIXES)) if (dataset.name.startsWith(prefix)) return logical;
  return dataset.facets?.['storage'] !== undefined ? 'table' : undefined;
}

function logicalName(name: string): string {
  for (const prefix of Object.keys(LOGICAL_PREFIXES)) if (name.startsWith(prefix)) return name.slice(prefix.length);
  return name;
}

function tableKey(dataset: OpenLineageDataset): string {
  return `${dataset.namespace}\n${dataset.name}`;
}

function shortName(name: string): string {
  return name.replace(/\/+$/, '').split('/').pop() ?? name;
}

/** The name in each table's node ids: its last path segment, or its whole name where two tables share that segment. */
function tableIds(events: readonly OpenLineageRunEvent[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const event of events)
    for (const d of [...event.inputs, ...event.outputs]) {
      const kind = kindOf(d);
      if (kind === 'table' || kind === 'predictions') keys.set(tableKey(d), d.name);
    }
  const counts = new Map<string, number>();
  for (const name of keys.values()) counts.set(shortName(name), (counts.get(shortName(name)) ?? 0) + 1);
  return new Map([...keys].map(([key, name]) => [key, counts.get(shortName(name)) === 1 ? shortName(name) : name]));
}

function stringField(facet: Record<string, unknown> | undefined, field: string): string | undefined {
  const value = facet?.[field];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function schemaFields(facets: Facets): string[] | undefined {
  const fields = facets['schema']?.['fields'];
  if (!Array.isArray(fields)) return undefined;
  return fields.flatMap((f: unknown) => (typeof f === 'object' && f !== null && 'name' in f && typeof f.name === 'string' ? [f.name] : []));
}

function tableVersions(facets: Facets, version: string | undefined): number[] {
  const listed = facets['aquifer_tableVersions']?.['versions'];
  if (Array.isArray(listed) && listed.length > 0) return listed.map(Number);
  return version === undefined ? [] : [Number(version)];
}

function replaces(facets: Facets): boolean {
  const versions = facets['aquifer_tableVersions'];
  const operation = versions?.['operation'];
  return (typeof operation === 'string' && REPLACING_OPERATIONS.has(operation)) || versions?.['mode'] === 'Overwrite';
}

function streamRanges(facets: Facets | undefined): { partition: string; from: string; to: string }[] {
  const ranges = facets?.['aquifer_streamRanges']?.['ranges'];
  if (!Array.isArray(ranges)) return [];
  return ranges.flatMap((r: unknown) => {
    if (typeof r !== 'object' || r === null) return [];
    const { partition, from, to } = r as Record<string, unknown>;
    return partition === undefined || from === undefined || to === undefined ? [] : [{ partition: String(partition), from: String(from), to: String(to) }];
  });
}
