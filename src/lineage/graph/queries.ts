import type { GraphColumnRef } from './graph-run.js';
import type { LineageGraph, RunDataset } from './lineage-graph.js';
import { compare, type LineageEdge, type LineageNodeType, type LineageResult } from './lineage-node.js';
import { fileSpec, findTable, notFound, parseStreamSpec, resolveNode } from './node-spec.js';

/**
 * Everything a node was made from, down to source files and stream offsets: the nodes
 * from which it can be reached. A table version's upstream holds only what was loaded at
 * or before it, since a version feeds later ones and never earlier ones.
 */
export function upstream(graph: LineageGraph, spec: string): LineageResult {
  const start = resolveNode(graph, spec);
  if (start === undefined) throw notFound(spec);
  return graph.subgraph(graph.reach(start, 'in'));
}

/** Everything a source reached: a file (path), a stream range, a table version (or every version of a table), a column `TABLE.COLUMN`. */
export function downstream(graph: LineageGraph, spec: string): LineageResult {
  const path = fileSpec(spec);
  if (path !== undefined) {
    const files = graph.nodes.filter((n) => n.type === 'file' && n.path === path).map((n) => n.id);
    if (files.length === 0) throw notFound(spec, 'file');
    return graph.subgraph(graph.reach(files, 'out'));
  }
  const stream = parseStreamSpec(spec);
  if (stream !== undefined) {
    const ranges = graph.nodes
      .filter((n) => n.type === 'stream' && n.id.startsWith(`${stream.kind}:`) && n.name === stream.topic)
      .filter((n) => stream.partition === undefined || n.partition === stream.partition)
      .filter((n) => stream.from === undefined || stream.to === undefined || overlaps(n.from, n.to, stream.from, stream.to))
      .map((n) => n.id);
    if (ranges.length === 0) throw notFound(spec, 'stream range');
    return graph.subgraph(graph.reach(ranges, 'out'));
  }
  const nodes = resolveNode(graph, spec, { allVersions: true });
  if (nodes !== undefined) return graph.subgraph(graph.reach(nodes, 'out'));
  const column = splitColumn(graph, spec);
  if (column === undefined) throw notFound(spec);
  return columnDownstream(graph, column.table, column.column, spec);
}

/** The kinds of node that break when a column they read is renamed or dropped. */
const IMPACTED: ReadonlySet<LineageNodeType> = new Set(['feature-view', 'training-set', 'suite', 'model']);

/**
 * What reads a column, directly or through what was derived from it: the feature views,
 * training sets, suites and models its downstream reaches, with the paths that lead there.
 */
export function impact(graph: LineageGraph, spec: string): LineageResult {
  const column = splitColumn(graph, spec);
  if (column === undefined) throw notFound(spec, 'column');
  const reached = columnDownstream(graph, column.table, column.column, spec);
  const into = new Map<string, string[]>();
  for (const e of reached.edges) into.set(e.to, [...(into.get(e.to) ?? []), e.from]);
  const impacted = reached.nodes.filter((n) => IMPACTED.has(n.type)).map((n) => n.id);
  const onPath = reach(impacted, (id) => into.get(id) ?? []);
  return { nodes: reached.nodes.filter((n) => onPath.has(n.id)), edges: reached.edges.filter((e) => onPath.has(e.from) && onPath.has(e.to)) };
}

/** The nodes reachable from the start; the order nodes are visited in does not change the set, so neighbours are not sorted. */
function reach(start: readonly string[], next: (id: string) => Iterable<string>): Set<string> {
  const seen = new Set<string>(start);
  const queue = [...start];
  for (let i = 0; i < queue.length; i++)
    for (const n of next(queue[i] as string))
      if (!seen.has(n)) {
        seen.add(n);
        queue.push(n);
      }
  return seen;
}

function overlaps(from: string | undefined, to: string | undefined, lo: bigint, hi: bigint): boolean {
  if (from === undefined || to === undefined || !/^\d+$/.test(from) || !/^\d+$/.test(to)) return false;
  return BigInt(from) <= hi && BigInt(to) >= lo;
}

function splitColumn(graph: LineageGraph, spec: string): { table: string; column: string } | undefined {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) return undefined;
  const table = spec.slice(0, dot).replace(/^table:/, '');
  return findTable(graph, table) === undefined ? undefined : { table, column: spec.slice(dot + 1) };
}

type Columns = Set<string> | 'all';

/**
 * Follow one column forward. Through a run, an output is reached by the columns its
 * columnLineage facet derives from the ones followed (all of its columns when they decide
 * its rows, as a filter or merge condition); with no such facet, by any run whose input
 * schema has one of them (or has no schema). A table keeps its columns from version to
 * version, and a run that rewrites the table it read carries them over too.
 */
function columnDownstream(graph: LineageGraph, tableName: string, column: string, spec: string): LineageResult {
  const table = findTable(graph, tableName);
  const start = [...(table?.versions.values() ?? [])].filter((id) => graph.fields(id)?.has(column) === true).sort(compare);
  if (start.length === 0) throw notFound(spec, 'column');
  const state = new Map<string, Columns>(start.map((id) => [id, new Set([column])]));
  const edges = new Map<string, LineageEdge>();
  const keep = (from: string, to: string) => {
    const edge = graph.edge(from, to);
    if (edge !== undefined) edges.set(`${from}\n${to}`, edge);
  };
  const queue = [...start];
  const grow = (id: string, added: Columns): boolean => {
    const known = state.get(id);
    if (known === 'all' || (added !== 'all' && added.size === 0)) return false;
    if (added === 'all' || known === undefined) {
      state.set(id, added === 'all' ? 'all' : new Set(added));
      return true;
    }
    const before = known.size;
    for (const c of added) known.add(c);
    return known.size > before;
  };
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    const columns = state.get(id) as Columns;
    const node = graph.node(id);
    for (const next of graph.successors(id)) {
      const target = graph.node(next);
      if (target !== undefined && target.type !== 'run') {
        // A table's next version: its columns carry over.
        keep(id, next);
        if (grow(next, columns)) queue.push(next);
        continue;
      }
      const run = graph.run(next);
      if (run === undefined) continue;
      const input = run.inputs.get(id);
      for (const [output, dataset] of run.outputs) {
        const sameTable =
          graph.node(output)?.path !== undefined && graph.node(output)?.path === node?.path && node?.namespace === graph.node(output)?.namespace;
        const derived = columns === 'all' ? 'all' : derivedColumns(dataset, input, columns, sameTable);
        if (derived !== 'all' && derived.size === 0) continue;
        keep(id, next);
        keep(next, output);
        if (grow(output, derived)) queue.push(output);
      }
      for (const suite of graph.successors(next).filter((s) => s.startsWith('suite:') && !run.outputs.has(s)))
        if (columns === 'all' || checksColumn(input, columns)) {
          keep(id, next);
          keep(next, suite);
          if (grow(suite, 'all')) queue.push(suite);
        }
    }
  }
  const ids = new Set([...state.keys(), ...[...edges.values()].flatMap((e) => [e.from, e.to])]);
  return graph.subgraph(ids, edges.values());
}

function derivedColumns(output: RunDataset, input: RunDataset | undefined, columns: ReadonlySet<string>, sameTable: boolean): Columns {
  const lineage = output.lineage;
  if (lineage === undefined) {
    if (sameTable) return new Set(columns);
    const schema = input?.fields;
    return schema === undefined || schema.some((c) => columns.has(c)) ? 'all' : new Set();
  }
  const reads = (field: GraphColumnRef) =>
    columns.has(field.field) && (input === undefined || (field.name === input.name && field.namespace === input.namespace));
  if (lineage.dataset?.some(reads) === true) return 'all';
  const derived = new Set<string>(sameTable ? columns : []);
  for (const [name, inputFields] of Object.entries(lineage.fields ?? {})) if (inputFields.some(reads)) derived.add(name);
  return derived;
}

/** A validation reads a column when one of its assertions names it; with no assertions, when its input has the column. */
function checksColumn(input: RunDataset | undefined, columns: ReadonlySet<string>): boolean {
  if (input?.assertions !== undefined) return input.assertions.some((c) => columns.has(c));
  const schema = input?.fields;
  return schema === undefined || schema.some((c) => columns.has(c));
}
