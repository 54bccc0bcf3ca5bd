import type { Facets, OpenLineageDataset, OpenLineageRunEvent } from './openlineage.js';
import { columnLineageGraph, eventPage, searchHits, type EventQuery, type MarquezColumnNode, type SearchQuery } from './marquez-history.js';
import { jobVersionList, type MarquezJobVersion } from './marquez-job-versions.js';
import { runBody, runJobVersion, versionOf, type MarquezRun } from './marquez-runs.js';
import { datasetKind } from './run-event.js';

export type { MarquezRun } from './marquez-runs.js';
export type { MarquezJobVersion } from './marquez-job-versions.js';

/**
 * Marquez's read API (spec/openapi.yml of MarquezProject/marquez: NamespaceList, JobList,
 * Job, DatasetList, Dataset, LineageGraph) answered from run events, closely enough for its
 * web UI. Versions are Aquifer's (a Delta table version, a model version), not Marquez's
 * UUIDs; jobs and datasets are the ones events named, their inputs and outputs the union
 * over the job's completed runs.
 */
export interface MarquezDatasetId {
  namespace: string;
  name: string;
}

export interface MarquezJob {
  id: MarquezDatasetId;
  type: 'BATCH' | 'STREAM';
  name: string;
  createdAt: string;
  updatedAt: string;
  namespace: string;
  inputs: MarquezDatasetId[];
  outputs: MarquezDatasetId[];
  location: string | null;
  description: string | null;
  latestRun: MarquezRun | null;
  /** The job's last runs, the latest state change first (JobDao.findAllWithRun: 10). */
  latestRuns: MarquezRun[];
  facets: Facets;
  /** The job version of its last run to end. */
  currentVersion: string | null;
  simpleName: string;
  parentJobName: string | null;
  parentJobUuid: string | null;
  labels: string[];
  tags: string[];
}

export interface MarquezDataset {
  id: MarquezDatasetId;
  type: 'DB_TABLE' | 'STREAM';
  name: string;
  physicalName: string;
  createdAt: string;
  updatedAt: string;
  namespace: string;
  sourceName: string;
  fields: { name: string; type: string; tags: string[]; description: string | null }[];
  tags: string[];
  lastModifiedAt: string | null;
  lastLifecycleState: string | null;
  description: string | null;
  facets: Facets;
  currentVersion: string | null;
  deleted: boolean;
}

/** A version of a dataset: one per completed run that wrote it, named by its Delta (or model) version when it has one. */
export interface MarquezDatasetVersion {
  id: { namespace: string; name: string; version: string };
  type: 'DB_TABLE' | 'STREAM';
  name: string;
  physicalName: string;
  createdAt: string;
  version: string;
  namespace: string;
  sourceName: string;
  fields: MarquezDataset['fields'];
  tags: string[];
  lifecycleState: string | null;
  description: string | null;
  createdByRun: MarquezRun | null;
  facets: Facets;
}

export interface MarquezNamespace {
  name: string;
  createdAt: string;
  updatedAt: string;
  ownerName: string;
  description: string | null;
}

export interface MarquezGraphNode {
  id: string;
  type: 'JOB' | 'DATASET';
  data: MarquezJob | MarquezDataset;
  inEdges: { origin: string; destination: string }[];
  outEdges: { origin: string; destination: string }[];
}

interface JobState {
  namespace: string;
  name: string;
  first: string;
  last: string;
  inputs: Map<string, MarquezDatasetId>;
  outputs: Map<string, MarquezDatasetId>;
  facets: Facets;
  runs: Map<string, OpenLineageRunEvent[]>;
  latestRunId: string;
}

interface DatasetState {
  namespace: string;
  name: string;
  first: string;
  last: string;
  lastModified: string | null;
  facets: Facets;
  version: string | null;
}

const key = (namespace: string, name: string) => `${namespace}\n${name}`;
/** How many of a job's runs its body lists (JobDao.findAllWithRun asks RunDao for 10). */
const LATEST_RUNS = 10;
const byName = <T extends { namespace: string; name: string }>(a: T, b: T) => (key(a.namespace, a.name) < key(b.namespace, b.name) ? -1 : 1);

export class MarquezView {
  private readonly jobs = new Map<string, JobState>();
  private readonly datasets = new Map<string, DatasetState>();
  private readonly events: OpenLineageRunEvent[] = [];
  private readonly runJobs = new Map<string, string>();

  constructor(events: Iterable<OpenLineageRunEvent>) {
    for (const event of events) this.add(event);
  }

  /** `GET /namespaces/{ns}/jobs/{job}/runs`: by start time, newest first (RunDao's `ORDER BY r.started_at DESC`); undefined for an unknown job. */
  runs(namespace: string, name: string, page: { limit?: number; offset?: number } = {}): { runs: MarquezRun[]; totalCount: number } | undefined {
    const job = this.jobs.get(key(namespace, name));
    if (job === undefined) return undefined;
    const all = [...job.runs.values()]
      .flatMap((events) => {
        const run = runBody(job, events);
        return run === null ? [] : [run];
      })
      .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return { runs: paged(all, page), totalCount: all.length };
  }

  /** `GET /jobs/runs/{id}`. */
  run(runId: string): MarquezRun | undefined {
    const job = this.jobs.get(this.runJobs.get(runId) ?? '');
    return job === undefined ? undefined : (runBody(job, job.runs.get(runId) ?? []) ?? undefined);
  }

  /** `GET /jobs/runs/{id}/facets?type=run|job`: the facets the run's events carried, later ones over earlier. */
  runFacets(runId: string, type: 'run' | 'job'): { runId: string; facets: Facets } | undefined {
    const job = this.jobs.get(this.runJobs.get(runId) ?? '');
    const events = job?.runs.get(runId);
    if (events === undefined) return undefined;
    const facets = events.reduce<Facets>((all, e) => ({ ...all, ...((type === 'run' ? e.run.facets : e.job.facets) ?? {}) }), {});
    return { runId, facets };
  }

  /** `GET /namespaces/{ns}/datasets/{ds}/versions`: newest first; undefined for an unknown dataset. */
  datasetVersions(
    namespace: string,
    name: string,
    page: { limit?: number; offset?: number } = {},
  ): { versions: MarquezDatasetVersion[]; totalCount: number } | undefined {
    const dataset = this.datasets.get(key(namespace, name));
    if (dataset === undefined) return undefined;
    const versions = new Map<string, MarquezDatasetVersion>();
    for (const event of this.events) {
      const output = event.eventType === 'COMPLETE' ? event.outputs.find((o) => o.namespace === namespace && o.name === name) : undefined;
      if (output === undefined) continue;
      const version = versionOf(output) || event.run.runId;
      const job = this.jobs.get(key(event.job.namespace, event.job.name));
      const body = datasetBody({ ...dataset, facets: output.facets ?? {} });
      versions.set(version, {
        id: { namespace, name, version },
        type: body.type,
        name,
        physicalName: name,
        createdAt: event.eventTime,
        version,
        namespace,
        sourceName: namespace,
        fields: body.fields,
        tags: [],
        lifecycleState:
          typeof output.facets?.['lifecycleStateChange']?.['lifecycleStateChange'] === 'string'
            ? output.facets['lifecycleStateChange']['lifecycleStateChange']
            : null,
        description: null,
        createdByRun: job === undefined ? null : runBody(job, job.runs.get(event.run.runId) ?? []),
        facets: output.facets ?? {},
      });
    }
    const all = [...versions.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.version.localeCompare(a.version));
    return { versions: paged(all, page), totalCount: all.length };
  }

  /** `GET /search?q=`: jobs and datasets whose name matches. */
  search(query: SearchQuery): ReturnType<typeof searchHits> {
    const candidates = [
      ...[...this.jobs.values()].map((j) => ({
        type: 'JOB' as const,
        name: j.name,
        updatedAt: j.last,
        namespace: j.namespace,
        nodeId: `job:${j.namespace}:${j.name}`,
      })),
      ...[...this.datasets.values()].map((d) => ({
        type: 'DATASET' as const,
        name: d.name,
        updatedAt: d.last,
        namespace: d.namespace,
        nodeId: `dataset:${d.namespace}:${d.name}`,
      })),
    ];
    return searchHits(candidates, query);
  }

  /** `GET /column-lineage?nodeId=`: from each dataset's latest columnLineage facet; undefined for an unknown node. */
  columnLineage(nodeId: string, depth = 20, withDownstream = false): { graph: MarquezColumnNode[] } | undefined {
    return columnLineageGraph([...this.datasets.values()], nodeId, depth, withDownstream);
  }

  /** `GET /events/lineage`: the run events as they were logged. */
  eventList(query: EventQuery = {}): { events: OpenLineageRunEvent[]; totalCount: number } {
    return eventPage(this.events, query);
  }

  namespaces(): { namespaces: MarquezNamespace[] } {
    const spans = new Map<string, { first: string; last: string }>();
    for (const item of [...this.jobs.values(), ...this.datasets.values()]) {
      const known = spans.get(item.namespace);
      spans.set(item.namespace, {
        first: known === undefined || item.first < known.first ? item.first : known.first,
        last: known === undefined || item.last > known.last ? item.last : known.last,
      });
    }
    return {
      namespaces: [...spans.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, span]) => ({ name, createdAt: span.first, updatedAt: span.last, ownerName: 'aquifer', description: null })),
    };
  }

  /** Whether events named this namespace; the caller decides what an unknown one answers. */
  hasNamespace(namespace: string): boolean {
    return this.namespaces().namespaces.some((n) => n.name === namespace);
  }

  /**
   * `GET /namespaces/{ns}/jobs` (and `/jobs`, every namespace): the last updated first, as
   * JobDao.findAll orders them; `lastRunStates` keeps the jobs whose last run is in one of those
   * states (or that have none). As Marquez's, `totalCount` counts every job of the namespace.
   */
  jobList(
    namespace: string | undefined,
    page: { limit?: number; offset?: number } = {},
    lastRunStates: readonly MarquezRun['state'][] = [],
  ): { jobs: MarquezJob[]; totalCount: number } {
    const inNamespace = [...this.jobs.values()].filter((j) => namespace === undefined || j.namespace === namespace);
    const bodies = inNamespace.map((j) => this.jobBody(j)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || byName(a, b));
    const kept = lastRunStates.length === 0 ? bodies : bodies.filter((j) => j.latestRun === null || lastRunStates.includes(j.latestRun.state));
    return { jobs: paged(kept, page), totalCount: inNamespace.length };
  }

  /** `GET /namespaces/{ns}/jobs/{job}/versions`: the newest first; undefined for an unknown job. */
  jobVersions(namespace: string, name: string, page: { limit?: number; offset?: number } = {}): { versions: MarquezJobVersion[] } | undefined {
    const job = this.jobs.get(key(namespace, name));
    return job === undefined ? undefined : { versions: paged(jobVersionList(job), page) };
  }

  /** `GET /namespaces/{ns}/jobs/{job}/versions/{version}`; undefined for an unknown job or version. */
  jobVersion(namespace: string, name: string, version: string): MarquezJobVersion | undefined {
    return this.jobVersions(namespace, name, { limit: Number.MAX_SAFE_INTEGER })?.versions.find((v) => v.version === version);
  }

  job(namespace: string, name: string): MarquezJob | undefined {
    const job = this.jobs.get(key(namespace, name));
    return job === undefined ? undefined : this.jobBody(job);
  }

  datasetList(namespace: string, page: { limit?: number; offset?: number } = {}): { datasets: MarquezDataset[]; totalCount: number } {
    const all = [...this.datasets.values()].filter((d) => d.namespace === namespace).sort(byName);
    return { datasets: paged(all, page).map((d) => datasetBody(d)), totalCount: all.length };
  }

  dataset(namespace: string, name: string): MarquezDataset | undefined {
    const dataset = this.datasets.get(key(namespace, name));
    return dataset === undefined ? undefined : datasetBody(dataset);
  }

  /** The names events gave datasets of a namespace, for routes whose path lost a name's slashes. */
  datasetNames(namespace: string): string[] {
    return [...this.datasets.values()].filter((d) => d.namespace === namespace).map((d) => d.name);
  }

  /**
   * `GET /api/v1/lineage?nodeId=dataset:NS:NAME|job:NS:NAME&depth=N`: the nodes within
   * `depth` hops of the node, both ways, each with its in and out edges; undefined when
   * the node is unknown.
   */
  lineage(nodeId: string, depth = 20): { graph: MarquezGraphNode[] } | undefined {
    const edges = this.edges();
    const around = new Map<string, Set<string>>();
    for (const e of edges) {
      around.set(e.origin, (around.get(e.origin) ?? new Set()).add(e.destination));
      around.set(e.destination, (around.get(e.destination) ?? new Set()).add(e.origin));
    }
    if (this.nodeData(nodeId) === undefined) return undefined;
    const seen = new Set([nodeId]);
    let frontier = [nodeId];
    for (let hop = 0; hop < depth && frontier.length > 0; hop++) {
      const next: string[] = [];
      for (const id of frontier)
        for (const n of around.get(id) ?? [])
          if (!seen.has(n)) {
            seen.add(n);
            next.push(n);
          }
      frontier = next;
    }
    const graph = [...seen].sort().flatMap((id): MarquezGraphNode[] => {
      const data = this.nodeData(id);
      if (data === undefined) return [];
      return [
        {
          id,
          type: id.startsWith('job:') ? 'JOB' : 'DATASET',
          data,
          inEdges: edges.filter((e) => e.destination === id && seen.has(e.origin)),
          outEdges: edges.filter((e) => e.origin === id && seen.has(e.destination)),
        },
      ];
    });
    return { graph };
  }

  private nodeData(nodeId: string): MarquezJob | MarquezDataset | undefined {
    const match = /^(job|dataset):(.*)$/.exec(nodeId);
    if (match === null) return undefined;
    const rest = match[2] as string;
    // Namespaces hold colons (`kafka://host:9092`): try each known one as the prefix.
    const pool = match[1] === 'job' ? this.jobs : this.datasets;
    for (const item of pool.values())
      if (rest === `${item.namespace}:${item.name}`) return match[1] === 'job' ? this.jobBody(item as JobState) : datasetBody(item as DatasetState);
    return undefined;
  }

  private edges(): { origin: string; destination: string }[] {
    const out: { origin: string; destination: string }[] = [];
    for (const job of [...this.jobs.values()].sort(byName)) {
      const jobId = `job:${job.namespace}:${job.name}`;
      for (const d of [...job.inputs.values()].sort(byName)) out.push({ origin: `dataset:${d.namespace}:${d.name}`, destination: jobId });
      for (const d of [...job.outputs.values()].sort(byName)) out.push({ origin: jobId, destination: `dataset:${d.namespace}:${d.name}` });
    }
    return out;
  }

  private add(event: OpenLineageRunEvent): void {
    this.events.push(event);
    this.runJobs.set(event.run.runId, key(event.job.namespace, event.job.name));
    const time = event.eventTime;
    const jobKey = key(event.job.namespace, event.job.name);
    const job = this.jobs.get(jobKey) ?? {
      namespace: event.job.namespace,
      name: event.job.name,
      first: time,
      last: time,
      inputs: new Map<string, MarquezDatasetId>(),
      outputs: new Map<string, MarquezDatasetId>(),
      facets: {},
      runs: new Map<string, OpenLineageRunEvent[]>(),
      latestRunId: event.run.runId,
    };
    this.jobs.set(jobKey, job);
    if (time < job.first) job.first = time;
    if (time >= job.last) {
      job.last = time;
      job.latestRunId = event.run.runId;
    }
    job.facets = { ...job.facets, ...(event.job.facets ?? {}) };
    job.runs.set(event.run.runId, [...(job.runs.get(event.run.runId) ?? []), event]);
    const complete = event.eventType === 'COMPLETE';
    for (const input of event.inputs) {
      this.seeDataset(input, time, false);
      if (complete) job.inputs.set(key(input.namespace, input.name), { namespace: input.namespace, name: input.name });
    }
    for (const output of event.outputs) {
      this.seeDataset(output, time, complete);
      if (complete) job.outputs.set(key(output.namespace, output.name), { namespace: output.namespace, name: output.name });
    }
  }

  private seeDataset(dataset: OpenLineageDataset, time: string, modified: boolean): void {
    const k = key(dataset.namespace, dataset.name);
    const known = this.datasets.get(k) ?? {
      namespace: dataset.namespace,
      name: dataset.name,
      first: time,
      last: time,
      lastModified: null,
      facets: {},
      version: null,
    };
    this.datasets.set(k, known);
    if (time < known.first) known.first = time;
    if (time > known.last) known.last = time;
    known.facets = { ...known.facets, ...(dataset.facets ?? {}) };
    if (modified) {
      known.lastModified = time;
      const version = dataset.facets?.['version']?.['datasetVersion'];
      if (typeof version === 'string') known.version = version;
    }
  }

  private jobBody(job: JobState): MarquezJob {
    const streaming = job.facets['jobType']?.['processingType'] === 'STREAMING';
    const runs = [...job.runs.values()];
    const latestRuns = runs
      .flatMap((events) => runBody(job, events) ?? [])
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))
      .slice(0, LATEST_RUNS);
    const ended = runs.flatMap((events) => runJobVersion(job, events) ?? []).sort((a, b) => b.endedAt.localeCompare(a.endedAt))[0];
    return {
      id: { namespace: job.namespace, name: job.name },
      type: streaming ? 'STREAM' : 'BATCH',
      name: job.name,
      createdAt: job.first,
      updatedAt: job.last,
      namespace: job.namespace,
      inputs: [...job.inputs.values()].sort(byName),
      outputs: [...job.outputs.values()].sort(byName),
      location: null,
      description: typeof job.facets['documentation']?.['description'] === 'string' ? job.facets['documentation']['description'] : null,
      latestRun: runBody(job, job.runs.get(job.latestRunId) ?? []),
      latestRuns,
      facets: job.facets,
      currentVersion: ended?.version ?? null,
      simpleName: job.name,
      parentJobName: null,
      parentJobUuid: null,
      labels: [],
      tags: [],
    };
  }
}

function paged<T>(items: readonly T[], page: { limit?: number; offset?: number }): T[] {
  const offset = page.offset ?? 0;
  return items.slice(offset, offset + (page.limit ?? 100));
}

function datasetBody(dataset: DatasetState): MarquezDataset {
  const kind = datasetKind({ facets: dataset.facets });
  const fields = dataset.facets['schema']?.['fields'];
  return {
    id: { namespace: dataset.namespace, name: dataset.name },
    type: kind === 'kafka' || kind === 'kinesis' || kind === 'http' ? 'STREAM' : 'DB_TABLE',
    name: dataset.name,
    physicalName: dataset.name,
    createdAt: dataset.first,
    updatedAt: dataset.last,
    namespace: dataset.namespace,
    sourceName: dataset.namespace,
    fields: Array.isArray(fields)
      ? fields.flatMap((f: unknown) =>
          typeof f === 'object' && f !== null && 'name' in f
            ? [{ name: String(f.name), type: 'type' in f ? String(f.type) : '', tags: [], description: null }]
            : [],
        )
      : [],
    tags: [],
    lastModifiedAt: dataset.lastModified,
    lastLifecycleState: null,
    description: null,
    facets: dataset.facets,
    currentVersion: dataset.version,
    deleted: false,
  };
}
