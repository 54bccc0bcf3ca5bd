import type { DatasetKind } from '../../observe/index.js';
import type { Facets, OpenLineageDataset, OpenLineageRunEvent } from '../openlineage.js';
import { datasetKind } from '../run-event.js';

/**
 * A run as the lineage graph reads it: the few fields of an OpenLineage run event that make
 * nodes and edges, already interpreted (a dataset's kind, its versions, its columns). The
 * lineage log keeps one beside each event, so the graph is built without parsing whole events;
 * events without one (logged before it existed, or read from a file) are converted by `graphRun`.
 */
export interface GraphRun {
  runId: string;
  job: string;
  /** The event's time, as the event gave it. */
  time: string;
  /** The run this one started inside (the parent facet). */
  parent?: string;
  /** The job type facet's `jobType`. */
  jobType?: string;
  inputs: GraphDataset[];
  outputs: GraphDataset[];
}

/** One input or output of a run: what its facets say that the graph and its queries use. */
export interface GraphDataset {
  namespace: string;
  name: string;
  /** Aquifer's subtype, or what the naming conventions say for other producers' events. */
  kind?: DatasetKind;
  /** The version facet's datasetVersion. */
  version?: string;
  /** The schema facet's column names. */
  fields?: string[];
  /** aquifer_tableVersions' versions, when it lists any. */
  versions?: number[];
  /** The write replaced the table's rows (CREATE OR REPLACE TABLE, RESTORE, an overwrite). */
  replaces?: true;
  /** aquifer_sourceFile. */
  sha256?: string;
  size?: number;
  /** aquifer_streamRanges of the input facets (of an input) or output facets (of an output). */
  ranges?: GraphRange[];
  /** The columnLineage facet, when there is one: which input columns each column (or the whole dataset) is derived from. */
  lineage?: { dataset?: GraphColumnRef[]; fields?: Record<string, GraphColumnRef[]> };
  /** The columns the data quality assertions name, when the facet lists assertions. */
  assertions?: string[];
}

export interface GraphRange {
  partition: string;
  from: string;
  to: string;
}

/** An input column of column lineage; namespace and name are absent when the event left them out. */
export interface GraphColumnRef {
  namespace?: string;
  name?: string;
  field: string;
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

export const LOGICAL_PREFIXES: Readonly<Record<string, DatasetKind>> = {
  'models/': 'model',
  'training-sets/': 'training-set',
  'feature-views/': 'feature-view',
  'online-store/': 'online-store',
  'quality/': 'suite',
};

/** The part of a run event the graph reads. */
export function graphRun(event: OpenLineageRunEvent): GraphRun {
  const parent = event.run.facets?.['parent']?.['run'];
  const parentId = typeof parent === 'object' && parent !== null && 'runId' in parent ? String(parent.runId) : undefined;
  const jobType = event.job.facets?.['jobType']?.['jobType'];
  return {
    runId: event.run.runId,
    job: event.job.name,
    time: event.eventTime,
    ...(parentId === undefined ? {} : { parent: parentId }),
    ...(typeof jobType === 'string' ? { jobType } : {}),
    inputs: event.inputs.map((d) => graphDataset(d, d.inputFacets)),
    outputs: event.outputs.map((d) => graphDataset(d, d.outputFacets)),
  };
}

function graphDataset(dataset: OpenLineageDataset, extra: Facets | undefined): GraphDataset {
  const facets = dataset.facets ?? {};
  const out: GraphDataset = { namespace: dataset.namespace, name: dataset.name };
  const kind = kindOf(dataset);
  if (kind !== undefined) out.kind = kind;
  const version = stringField(facets['version'], 'datasetVersion');
  if (version !== undefined) out.version = version;
  const fields = fieldNames(facets['schema']?.['fields']);
  if (fields !== undefined) out.fields = fields;
  const listed = facets['aquifer_tableVersions']?.['versions'];
  if (Array.isArray(listed) && listed.length > 0) out.versions = listed.map(Number);
  if (replaces(facets)) out.replaces = true;
  const source = facets['aquifer_sourceFile'];
  const sha256 = stringField(source, 'sha256');
  if (sha256 !== undefined) out.sha256 = sha256;
  if (source !== undefined && typeof source['size'] === 'number') out.size = source['size'];
  const ranges = streamRanges(extra);
  if (ranges.length > 0) out.ranges = ranges;
  const lineage = facets['columnLineage'];
  if (lineage !== undefined) out.lineage = columnLineage(lineage);
  const assertions = facets['dataQualityAssertions']?.['assertions'];
  if (Array.isArray(assertions))
    out.assertions = assertions.flatMap((a: unknown) =>
      typeof a === 'object' && a !== null && 'column' in a && typeof a.column === 'string' ? [a.column] : [],
    );
  return out;
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

function stringField(facet: Record<string, unknown> | undefined, field: string): string | undefined {
  const value = facet?.[field];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function fieldNames(fields: unknown): string[] | undefined {
  if (!Array.isArray(fields)) return undefined;
  return fields.flatMap((f: unknown) => (typeof f === 'object' && f !== null && 'name' in f && typeof f.name === 'string' ? [f.name] : []));
}

function replaces(facets: Facets): boolean {
  const versions = facets['aquifer_tableVersions'];
  const operation = versions?.['operation'];
  return (typeof operation === 'string' && REPLACING_OPERATIONS.has(operation)) || versions?.['mode'] === 'Overwrite';
}

function streamRanges(facets: Facets | undefined): GraphRange[] {
  const ranges = facets?.['aquifer_streamRanges']?.['ranges'];
  if (!Array.isArray(ranges)) return [];
  return ranges.flatMap((r: unknown) => {
    if (typeof r !== 'object' || r === null) return [];
    const { partition, from, to } = r as Record<string, unknown>;
    return partition === undefined || from === undefined || to === undefined ? [] : [{ partition: String(partition), from: String(from), to: String(to) }];
  });
}

/** Input columns that name no column (a `field` that is not a string) can match nothing, so they are left out. */
function columnRefs(list: unknown): GraphColumnRef[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((f: unknown) => {
    if (typeof f !== 'object' || f === null || !('field' in f) || typeof f.field !== 'string') return [];
    const ref: GraphColumnRef = { field: f.field };
    if ('namespace' in f && typeof f.namespace === 'string') ref.namespace = f.namespace;
    if ('name' in f && typeof f.name === 'string') ref.name = f.name;
    return [ref];
  });
}

function columnLineage(facet: Record<string, unknown>): NonNullable<GraphDataset['lineage']> {
  const out: NonNullable<GraphDataset['lineage']> = {};
  const dataset = columnRefs(facet['dataset']);
  if (dataset !== undefined) out.dataset = dataset;
  const fields = facet['fields'];
  if (typeof fields === 'object' && fields !== null)
    // fromEntries makes own properties, so a column named __proto__ stays a column.
    out.fields = Object.fromEntries(
      Object.entries(fields as Record<string, unknown>).flatMap(([name, entry]) => {
        const refs = typeof entry === 'object' && entry !== null && 'inputFields' in entry ? columnRefs(entry.inputFields) : undefined;
        return refs === undefined ? [] : [[name, refs] as const];
      }),
    );
  return out;
}
