import type { Facets, OpenLineageRunEvent } from './openlineage.js';

/**
 * The parts of Marquez's read API that look back over runs rather than at the latest state:
 * search (SearchResultList), the event list (LineageEventList) and column lineage (a
 * LineageGraph of DATASET_FIELD nodes, shaped as web/src/types/api.ts's ColumnLineageGraph).
 */
export interface MarquezSearchResult {
  type: 'JOB' | 'DATASET';
  name: string;
  updatedAt: string;
  namespace: string;
  nodeId: string;
}

export interface MarquezColumnInput {
  namespace: string;
  dataset: string;
  datasetVersion: string;
  field: string;
  transformationDescription: string | null;
  transformationType: string | null;
}

export interface MarquezColumnNode {
  id: string;
  type: 'DATASET_FIELD';
  data: {
    namespace: string;
    dataset: string;
    datasetVersion: string;
    field: string;
    fieldType: string;
    transformationDescription: string | null;
    transformationType: string | null;
    inputFields: MarquezColumnInput[];
  } | null;
  inEdges: { origin: string; destination: string }[];
  outEdges: { origin: string; destination: string }[];
}

/** A dataset as column lineage needs it: its schema and its latest columnLineage facet. */
export interface ColumnLineageSource {
  namespace: string;
  name: string;
  version: string | null;
  facets: Facets;
}

export interface SearchQuery {
  q: string;
  filter?: 'JOB' | 'DATASET';
  sort?: 'NAME' | 'UPDATED_AT';
  limit?: number;
  namespace?: string;
}

/**
 * Marquez matches `name ILIKE '%' || q || '%'`: case-insensitive, a substring, with `%`
 * for any run of characters and `_` for one.
 */
export function searchHits(candidates: readonly MarquezSearchResult[], query: SearchQuery): { totalCount: number; results: MarquezSearchResult[] } {
  const pattern = new RegExp([...query.q].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join(''), 'i');
  const hits = candidates
    .filter((c) => (query.filter === undefined || c.type === query.filter) && (query.namespace === undefined || c.namespace === query.namespace))
    .filter((c) => pattern.test(c.name))
    .sort((a, b) =>
      query.sort === 'UPDATED_AT'
        ? b.updatedAt.localeCompare(a.updatedAt) || a.nodeId.localeCompare(b.nodeId)
        : a.name.localeCompare(b.name) || a.nodeId.localeCompare(b.nodeId),
    );
  return { totalCount: hits.length, results: hits.slice(0, query.limit ?? 100) };
}

export interface EventQuery {
  before?: string;
  after?: string;
  limit?: number;
  offset?: number;
  sortDirection?: 'asc' | 'desc';
}

/** `GET /api/v1/events/lineage`: events after `after` (inclusive) and before `before`, newest first by default. */
export function eventPage(events: readonly OpenLineageRunEvent[], query: EventQuery): { events: OpenLineageRunEvent[]; totalCount: number } {
  const before = query.before === undefined ? Infinity : Date.parse(query.before);
  const after = query.after === undefined ? -Infinity : Date.parse(query.after);
  const within = events
    .map((event, index) => ({ event, index, time: Date.parse(event.eventTime) }))
    .filter((e) => e.time < before && e.time >= after)
    .sort((a, b) => a.time - b.time || a.index - b.index);
  if (query.sortDirection !== 'asc') within.reverse();
  const offset = query.offset ?? 0;
  return { events: within.slice(offset, offset + (query.limit ?? 100)).map((e) => e.event), totalCount: within.length };
}

const fieldId = (namespace: string, dataset: string, field: string) => `datasetField:${namespace}:${dataset}:${field}`;

/**
 * `GET /api/v1/column-lineage?nodeId=dataset:NS:NAME|datasetField:NS:NAME:FIELD`: the fields
 * within `depth` hops upstream (and downstream with `withDownstream`). As Marquez's
 * ColumnLineageService does, every edge starts at the node that lists it: an in edge points
 * at an input field, an out edge at a field derived from this one. Undefined for an unknown node.
 */
export function columnLineageGraph(
  datasets: readonly ColumnLineageSource[],
  nodeId: string,
  depth: number,
  withDownstream: boolean,
): { graph: MarquezColumnNode[] } | undefined {
  const nodes = new Map<string, NonNullable<MarquezColumnNode['data']>>();
  const byKey = new Map(datasets.map((d) => [`${d.namespace}\n${d.name}`, d]));
  for (const d of datasets) {
    const types = new Map(fieldsOf(d.facets).map((f) => [f.name, f.type]));
    const lineage = d.facets['columnLineage']?.['fields'];
    const derived = typeof lineage === 'object' && lineage !== null ? (lineage as Record<string, { inputFields?: unknown }>) : {};
    for (const name of new Set([...types.keys(), ...Object.keys(derived)])) {
      const inputs = Array.isArray(derived[name]?.inputFields) ? (derived[name].inputFields as Record<string, unknown>[]) : [];
      const inputFields = inputs.map((i): MarquezColumnInput => {
        const transformation = Array.isArray(i['transformations']) ? (i['transformations'][0] as Record<string, unknown> | undefined) : undefined;
        const namespace = String(i['namespace']);
        const dataset = String(i['name']);
        return {
          namespace,
          dataset,
          datasetVersion: byKey.get(`${namespace}\n${dataset}`)?.version ?? '',
          field: String(i['field']),
          transformationDescription: typeof transformation?.['description'] === 'string' ? transformation['description'] : null,
          transformationType: typeof transformation?.['type'] === 'string' ? transformation['type'] : null,
        };
      });
      nodes.set(fieldId(d.namespace, d.name, name), {
        namespace: d.namespace,
        dataset: d.name,
        datasetVersion: d.version ?? '',
        field: name,
        fieldType: types.get(name) ?? '',
        transformationDescription: inputFields[0]?.transformationDescription ?? null,
        transformationType: inputFields[0]?.transformationType ?? null,
        inputFields,
      });
    }
  }
  const upstream = new Map<string, string[]>();
  const downstream = new Map<string, string[]>();
  for (const [id, data] of nodes)
    for (const input of data.inputFields) {
      const from = fieldId(input.namespace, input.dataset, input.field);
      upstream.set(id, [...(upstream.get(id) ?? []), from]);
      downstream.set(from, [...(downstream.get(from) ?? []), id]);
    }
  const start = startFields(datasets, nodes, nodeId);
  if (start === undefined) return undefined;
  const seen = new Set(start);
  const walk = (links: Map<string, string[]>) => {
    let frontier = [...start];
    for (let hop = 0; hop < depth && frontier.length > 0; hop++) {
      const next: string[] = [];
      for (const id of frontier)
        for (const n of links.get(id) ?? [])
          if (!seen.has(n)) {
            seen.add(n);
            next.push(n);
          }
      frontier = next;
    }
  };
  walk(upstream);
  if (withDownstream) walk(downstream);
  const graph = [...seen].sort().map((id): MarquezColumnNode => ({
    id,
    type: 'DATASET_FIELD',
    data: nodes.get(id) ?? null,
    inEdges: (upstream.get(id) ?? []).filter((n) => seen.has(n)).map((destination) => ({ origin: id, destination })),
    outEdges: (downstream.get(id) ?? []).filter((n) => seen.has(n)).map((destination) => ({ origin: id, destination })),
  }));
  return { graph };
}

function startFields(
  datasets: readonly ColumnLineageSource[],
  nodes: ReadonlyMap<string, { namespace: string; dataset: string }>,
  nodeId: string,
): string[] | undefined {
  if (nodeId.startsWith('datasetField:')) return nodes.has(nodeId) ? [nodeId] : undefined;
  // Namespaces hold colons (`kafka://host:9092`): match each known dataset's id whole.
  const dataset = datasets.find((d) => nodeId === `dataset:${d.namespace}:${d.name}`);
  if (dataset === undefined) return undefined;
  return [...nodes.entries()].filter(([, n]) => n.namespace === dataset.namespace && n.dataset === dataset.name).map(([id]) => id);
}

function fieldsOf(facets: Facets): { name: string; type: string }[] {
  const fields = facets['schema']?.['fields'];
  return Array.isArray(fields)
    ? fields.flatMap((f: unknown) =>
        typeof f === 'object' && f !== null && 'name' in f ? [{ name: String(f.name), type: 'type' in f ? String(f.type) : '' }] : [],
      )
    : [];
}
