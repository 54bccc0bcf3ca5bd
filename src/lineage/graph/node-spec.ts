import { AquiferError } from '../../errors.js';
import { compare } from './lineage-node.js';
import type { LineageGraph, TableRecord } from './lineage-graph.js';

const VERSIONED = ['model', 'training-set', 'feature-view', 'predictions', 'online-store', 'suite'] as const;

function invalid(spec: string, why: string): AquiferError {
  return new AquiferError('LINEAGE_NODE_INVALID', `'${spec}' is not a lineage node: ${why}`, {
    value: spec,
    hint: 'Name a model:NAME@VERSION, training-set:NAME[@V], feature-view:NAME, a table NAME[@VERSION], a TABLE.COLUMN, a file path or kafka:TOPIC[:PARTITION[:FROM-TO]].',
  });
}

export function notFound(spec: string, what = 'node'): AquiferError {
  return new AquiferError('LINEAGE_NODE_NOT_FOUND', `No completed run read or wrote the ${what} '${spec}'`, {
    value: spec,
    hint: 'Check the name and version against `aquifer lineage events`; only runs that completed are in the graph.',
  });
}

/** The versions of a node id family (`model:churn@1`, `model:churn@2`), latest first by number. */
function latest(ids: readonly string[]): string | undefined {
  const version = (id: string) => Number(id.slice(id.lastIndexOf('@') + 1));
  return [...ids].sort((a, b) => version(b) - version(a) || compare(a, b))[0];
}

/** The table a user named: by its short name (`events`), its node id name, or its whole dataset name (a path). */
export function findTable(graph: LineageGraph, name: string): TableRecord | undefined {
  const tables = graph.tables;
  return tables.find((t) => t.idName === name) ?? tables.find((t) => t.name === name) ?? tables.find((t) => t.shortName === name);
}

function tableVersion(graph: LineageGraph, spec: string, name: string, version: string | undefined): string[] | undefined {
  const table = findTable(graph, name);
  if (table === undefined) return undefined;
  if (version === undefined) {
    const newest = Math.max(...table.versions.keys());
    return table.versions.size === 0 ? undefined : [table.versions.get(newest) as string];
  }
  if (!/^\d+$/.test(version)) throw invalid(spec, 'a table version is a whole number');
  const id = table.versions.get(Number(version));
  if (id === undefined) throw notFound(spec, 'table version');
  return [id];
}

/**
 * The node ids a name stands for, or undefined when it names nothing of these forms:
 * `model:NAME[@V]`, `training-set:NAME[@V]`, `feature-view:NAME[@V]` (without a version, the
 * latest), any node id as printed, a table `NAME` (its latest version) or `NAME@VERSION`.
 * `allVersions` makes a table without a version stand for each of its versions.
 */
export function resolveNode(graph: LineageGraph, spec: string, options: { allVersions?: boolean } = {}): string[] | undefined {
  if (spec.trim() === '') throw invalid(spec, 'it is empty');
  if (graph.node(spec) !== undefined) return [spec];
  const colon = spec.indexOf(':');
  const prefix = colon < 0 ? '' : spec.slice(0, colon);
  if ((VERSIONED as readonly string[]).includes(prefix)) {
    const rest = spec.slice(colon + 1);
    if (rest === '' || rest.startsWith('@')) throw invalid(spec, 'the name is missing');
    if (rest.includes('@')) throw notFound(spec);
    const family = graph.nodes.filter((n) => n.id.startsWith(`${prefix}:${rest}@`) || n.id === `${prefix}:${rest}`).map((n) => n.id);
    if (family.length === 0) throw notFound(spec);
    return options.allVersions === true ? family.sort(compare) : [latest(family) as string];
  }
  const name = prefix === 'table' ? spec.slice(colon + 1) : spec;
  const at = name.lastIndexOf('@');
  if (at === 0) throw invalid(spec, 'the table name is missing');
  if (at < 0 && options.allVersions === true) {
    const table = findTable(graph, name);
    return table === undefined ? undefined : [...table.versions.keys()].sort((a, b) => a - b).map((v) => table.versions.get(v) as string);
  }
  return at < 0 ? tableVersion(graph, spec, name, undefined) : tableVersion(graph, spec, name.slice(0, at), name.slice(at + 1));
}

export interface StreamSpec {
  kind: 'kafka' | 'kinesis';
  topic: string;
  partition?: string;
  from?: bigint;
  to?: bigint;
}

/** `kafka:TOPIC[:PARTITION[:FROM-TO]]` (or kinesis:STREAM[:SHARD[:FROM-TO]]); undefined for anything else. */
export function parseStreamSpec(spec: string): StreamSpec | undefined {
  const match = /^(kafka|kinesis):([^:]+)(?::([^:]+)(?::(\d+)-(\d+))?)?$/.exec(spec);
  if (match === null) {
    if (/^(kafka|kinesis):/.test(spec)) throw invalid(spec, 'a stream range is kafka:TOPIC[:PARTITION[:FROM-TO]]');
    return undefined;
  }
  const [, kind, topic, partition, from, to] = match;
  return {
    kind: kind as 'kafka' | 'kinesis',
    topic: topic as string,
    ...(partition === undefined ? {} : { partition }),
    ...(from === undefined || to === undefined ? {} : { from: BigInt(from), to: BigInt(to) }),
  };
}

/** Whether a spec names a file: a `file:` prefix, an absolute path or a URL. */
export function fileSpec(spec: string): string | undefined {
  if (spec.startsWith('file:') && !spec.startsWith('file://')) return spec.slice('file:'.length);
  if (spec.startsWith('file://')) return decodeURIComponent(new URL(spec).pathname);
  if (spec.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) return spec;
  return undefined;
}
