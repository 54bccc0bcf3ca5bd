import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import {
  LineageLog,
  type LineageResult,
  type MarquezColumnNode,
  type MarquezDataset,
  type MarquezDatasetVersion,
  type MarquezGraphNode,
  type MarquezJob,
  type MarquezJobVersion,
  type MarquezRun,
  type MarquezSearchResult,
  type OpenLineageRunEvent,
} from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { pipelineEvents } from '../lineage/graph/pipeline-fixture.js';
import { tempDir } from '../support/temp.js';
import { marquezValidator } from './marquez-schemas.js';

let engine: Engine;
let server: RunningServer;
let logged: RunningServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const project = await Project.init(path.join(await tempDir('aquifer-lineage-routes-'), 'project'));
  const store = TokenStore.forProject(project);
  tokens['reader'] = (await store.create({ role: 'reader' })).token;
  tokens['scoped'] = (await store.create({ role: 'reader', scopes: ['trips'] })).token;
  server = await startServer({ engine, project, port: 0, lineageEvents: async () => pipelineEvents() });
  await LineageLog.forProject(project, engine).append(pipelineEvents());
  logged = await startServer({ engine, project, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await logged?.close();
  engine?.close();
});

const get = async (target: string, token: string | null = tokens['reader'] ?? null) => {
  const response = await fetch(`${server.url}${target}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const code = (answer: { status: number; body: Record<string, unknown> }) =>
  `${answer.status} ${(answer.body['error'] as { code?: string } | undefined)?.code ?? ''}`;
const q = encodeURIComponent;

describe('GET /v1/lineage', () => {
  it('answers upstream of a model version as nodes and edges down to files and offsets', async () => {
    const answer = await get(`/v1/lineage/upstream?node=${q('model:churn@1')}`);
    expect(answer.status).toBe(200);
    const result = answer.body as unknown as LineageResult;
    expect(result.nodes.filter((n) => n.type === 'file').map((n) => n.path)).toEqual(['/data/a.csv', '/data/b.csv', '/data/fix.csv']);
    expect(result.nodes.filter((n) => n.type === 'stream').map((n) => n.id)).toEqual(['kafka:trips:0:0-99', 'kafka:trips:1:0-49']);
  });

  it('answers downstream of a file and impact of a column', async () => {
    const down = (await get(`/v1/lineage/downstream?source=${q('/data/b.csv')}`)).body as unknown as LineageResult;
    expect(down.nodes.map((n) => n.id)).toContain('model:churn@1');
    const impact = (await get(`/v1/lineage/impact?column=${q('trips.fare')}`)).body as unknown as LineageResult;
    expect(impact.nodes.filter((n) => n.type === 'suite').map((n) => n.id)).toEqual(['suite:trips_suite']);
  });

  it("reads the project's lineage log by default", async () => {
    const response = await fetch(`${logged.url}/v1/lineage/upstream?node=${q('trips@2')}`, { headers: { authorization: `Bearer ${tokens['reader'] ?? ''}` } });
    expect(response.status).toBe(200);
    const result = (await response.json()) as LineageResult;
    expect(result.nodes.filter((n) => n.type === 'file').map((n) => n.path)).toEqual(['/data/a.csv', '/data/b.csv']);
  });

  it('refuses unknown nodes, a missing parameter, no token and a scoped token with typed errors', async () => {
    expect(code(await get(`/v1/lineage/upstream?node=${q('model:churn@9')}`))).toBe('404 LINEAGE_NODE_NOT_FOUND');
    expect(code(await get(`/v1/lineage/upstream?node=${q('trips@x')}`))).toBe('400 LINEAGE_NODE_INVALID');
    expect(code(await get('/v1/lineage/impact'))).toBe('400 HTTP_QUERY_INVALID');
    expect((await get(`/v1/lineage/upstream?node=trips`, null)).status).toBe(401);
    expect(code(await get(`/v1/lineage/upstream?node=trips`, tokens['scoped'] ?? null))).toBe('403 AUTH_FORBIDDEN');
  });
});

describe("Marquez's read API", () => {
  it('lists the namespaces of jobs and datasets', async () => {
    const answer = await get('/api/v1/namespaces');
    expect(answer.status).toBe(200);
    expect((answer.body['namespaces'] as { name: string }[]).map((n) => n.name)).toEqual(['aquifer://demo', 'demo', 'file', 'kafka://localhost:9092']);
    const one = await get(`/api/v1/namespaces/${q('kafka://localhost:9092')}`);
    expect(one.body).toMatchObject({ name: 'kafka://localhost:9092', ownerName: 'aquifer' });
    expect(code(await get('/api/v1/namespaces/nope'))).toBe('404 HTTP_NOT_FOUND');
  });

  it('lists and shows jobs, the latest run with its state', async () => {
    const list = (await get('/api/v1/namespaces/demo/jobs')).body as { jobs: MarquezJob[]; totalCount: number };
    expect(list.jobs.map((j) => j.name)).toContain('models.train.churn');
    const job = (await get(`/api/v1/namespaces/demo/jobs/${q('models.train.churn')}`)).body as unknown as MarquezJob;
    expect(job).toMatchObject({
      id: { namespace: 'demo', name: 'models.train.churn' },
      type: 'BATCH',
      outputs: [{ namespace: 'aquifer://demo', name: 'models/churn' }],
    });
    expect(job.latestRun?.state).toBe('COMPLETED');
    const ingest = (await get('/api/v1/namespaces/demo/jobs/ingest.trips')).body as unknown as MarquezJob;
    expect(ingest.latestRun?.state).toBe('FAILED');
    expect(code(await get('/api/v1/namespaces/demo/jobs/nope'))).toBe('404 LINEAGE_NODE_NOT_FOUND');
  });

  it('lists and shows datasets whose namespace and name hold slashes', async () => {
    const list = (await get(`/api/v1/namespaces/${q('aquifer://demo')}/datasets`)).body as { datasets: MarquezDataset[] };
    expect(list.datasets.map((d) => d.name)).toEqual(['feature-views/trip_stats', 'models/churn', 'online-store/trip_stats', 'training-sets/driver_training']);
    const trips = (await get(`/api/v1/namespaces/file/datasets/${q('/proj/tables/trips')}`)).body as unknown as MarquezDataset;
    expect(trips).toMatchObject({ id: { namespace: 'file', name: '/proj/tables/trips' }, type: 'DB_TABLE', currentVersion: '5' });
    expect(trips.fields.map((f) => f.name)).toEqual(['trip_id', 'driver_id', 'fare', 'distance']);
  });

  it('answers the lineage graph around a job to a depth', async () => {
    const answer = await get(`/api/v1/lineage?nodeId=${q('job:demo:models.train.churn')}&depth=1`);
    expect(answer.status).toBe(200);
    const graph = answer.body['graph'] as MarquezGraphNode[];
    expect(graph.map((n) => n.id)).toEqual([
      'dataset:aquifer://demo:models/churn',
      'dataset:aquifer://demo:training-sets/driver_training',
      'dataset:file:/proj/tables/trips',
      'job:demo:models.train.churn',
    ]);
    const job = graph.find((n) => n.type === 'JOB');
    expect(job?.outEdges).toEqual([{ origin: 'job:demo:models.train.churn', destination: 'dataset:aquifer://demo:models/churn' }]);
    expect(code(await get(`/api/v1/lineage?nodeId=${q('job:demo:nope')}`))).toBe('404 LINEAGE_NODE_NOT_FOUND');
  });
});

describe("Marquez's read API for runs, versions, search, column lineage and events", () => {
  const check = marquezValidator();
  const valid = async (target: string, schema: string) => {
    const answer = await get(target);
    expect(answer.status).toBe(200);
    expect(check(schema, answer.body)).toEqual([]);
    return answer.body as unknown;
  };

  it("lists a job's runs newest first with their states and times, and shows one run and its facets", async () => {
    const list = (await valid('/api/v1/namespaces/demo/jobs/ingest.trips/runs', 'RunList')) as { runs: MarquezRun[]; totalCount: number };
    expect(list.totalCount).toBe(4);
    expect(list.runs.map((r) => [r.state, r.startedAt, r.endedAt, r.durationMs])).toEqual([
      ['FAILED', '2026-01-01T00:06:00.000Z', '2026-01-01T00:07:00.000Z', 60_000],
      ['COMPLETED', '2026-01-01T00:05:00.000Z', '2026-01-01T00:06:00.000Z', 60_000],
      ['COMPLETED', '2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', 60_000],
      ['COMPLETED', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', 60_000],
    ]);
    expect(list.runs[1]?.outputVersions).toEqual([{ namespace: 'file', name: '/proj/tables/trips', version: '5' }]);
    const paged = (await get('/api/v1/namespaces/demo/jobs/ingest.trips/runs?limit=1&offset=1')).body as { runs: MarquezRun[]; totalCount: number };
    expect(paged.runs.map((r) => r.id)).toEqual([list.runs[1]?.id]);
    expect(paged.totalCount).toBe(4);

    const id = list.runs[0]?.id ?? '';
    const run = (await valid(`/api/v1/jobs/runs/${id}`, 'Run')) as MarquezRun;
    expect(run).toEqual(list.runs[0]);
    const jobFacets = (await valid(`/api/v1/jobs/runs/${id}/facets?type=job`, 'FacetsResult')) as { runId: string; facets: Record<string, unknown> };
    expect(jobFacets.runId).toBe(id);
    expect(jobFacets.facets['jobType']).toMatchObject({ jobType: 'INGEST' });
    const runFacets = (await valid(`/api/v1/jobs/runs/${id}/facets?type=run`, 'FacetsResult')) as { facets: Record<string, unknown> };
    expect(Object.keys(runFacets.facets)).not.toContain('jobType');
    expect(runFacets.facets).toEqual(run.facets);

    expect(code(await get('/api/v1/namespaces/demo/jobs/nope/runs'))).toBe('404 LINEAGE_NODE_NOT_FOUND');
    expect(code(await get('/api/v1/jobs/runs/00000000-0000-4000-8000-999999999999'))).toBe('404 LINEAGE_NODE_NOT_FOUND');
    expect(code(await get(`/api/v1/jobs/runs/${id}/facets`))).toBe('400 HTTP_QUERY_INVALID');
    expect(code(await get(`/api/v1/jobs/runs/${id}/facets?type=dataset`))).toBe('400 HTTP_QUERY_INVALID');
  });

  it("lists a table's versions, one per Delta version a completed run wrote, each with the run that made it", async () => {
    const answer = (await valid(`/api/v1/namespaces/file/datasets/${q('/proj/tables/trips')}/versions`, 'DatasetVersionList')) as {
      versions: MarquezDatasetVersion[];
      totalCount: number;
    };
    // Version 6 was written by the failed ingest, so it never became a Delta version.
    expect(answer.versions.map((v) => v.version)).toEqual(['5', '4', '3', '2', '1']);
    expect(answer.totalCount).toBe(5);
    const merged = answer.versions[1];
    expect(merged?.createdByRun?.state).toBe('COMPLETED');
    expect(merged?.createdByRun?.jobVersion.name).toBe('table.merge.trips');
    expect(merged?.fields.map((f) => f.name)).toEqual(['trip_id', 'driver_id', 'fare', 'distance']);
    expect(merged?.facets['aquifer_tableVersions']).toMatchObject({ versions: [4], operation: 'MERGE' });
    const model = (await valid(`/api/v1/namespaces/${q('aquifer://demo')}/datasets/${q('models/churn')}/versions?limit=1`, 'DatasetVersionList')) as {
      versions: MarquezDatasetVersion[];
    };
    expect(model.versions.map((v) => [v.id.name, v.version])).toEqual([['models/churn', '1']]);
    expect(code(await get(`/api/v1/namespaces/file/datasets/${q('/proj/tables/nope')}/versions`))).toBe('404 LINEAGE_NODE_NOT_FOUND');
  });

  it("lists a job's versions as Marquez computes them, one per set of datasets its ended runs read and wrote, each with its last run", async () => {
    const target = '/api/v1/namespaces/demo/jobs/ingest.trips/versions';
    const answer = (await valid(target, 'JobVersionList')) as { versions: MarquezJobVersion[] };
    // Java's UUID.nameUUIDFromBytes of Marquez's joined names (Utils.newJobVersionFor), computed with Java.
    const fromA = '6771c259-28f5-320a-8a36-86ab2e470731';
    const fromBad = 'cf6462d3-9f69-3d75-b3e1-849bcfe081b4';
    expect(answer.versions).toHaveLength(4);
    expect(answer.versions[0]).toMatchObject({ version: fromBad, createdAt: '2026-01-01T00:07:00.000Z', latestRun: { state: 'FAILED' } });
    const first = answer.versions[3];
    expect(first).toMatchObject({
      id: { namespace: 'demo', name: 'ingest.trips', version: fromA },
      name: 'ingest.trips',
      version: fromA,
      createdAt: '2026-01-01T00:01:00.000Z',
      namespace: 'demo',
      location: null,
      inputs: [{ namespace: 'file', name: '/data/a.csv' }],
      outputs: [{ namespace: 'file', name: '/proj/tables/trips' }],
      latestRun: { state: 'COMPLETED', jobVersion: { namespace: 'demo', name: 'ingest.trips', version: fromA } },
    });
    expect((await valid(`${target}/${fromA}`, 'JobVersion')) as MarquezJobVersion).toEqual(first);
    expect(((await get(`${target}?limit=1&offset=3`)).body as { versions: MarquezJobVersion[] }).versions).toEqual([first]);
    expect(code(await get(`${target}/00000000-0000-3000-8000-000000000000`))).toBe('404 LINEAGE_NODE_NOT_FOUND');
    expect(code(await get('/api/v1/namespaces/demo/jobs/nope/versions'))).toBe('404 LINEAGE_NODE_NOT_FOUND');
  });

  it("shows a job with its current version, last runs and Marquez's other fields, and lists jobs the last updated first, by their last run's state", async () => {
    const job = (await valid(`/api/v1/namespaces/demo/jobs/${q('models.train.churn')}`, 'Job')) as MarquezJob;
    expect(job.currentVersion).toBe('65d92d29-9537-35ad-a2c2-d130196c529e');
    expect(job.latestRun?.jobVersion.version).toBe(job.currentVersion);
    expect(job).toMatchObject({ simpleName: 'models.train.churn', parentJobName: null, parentJobUuid: null, labels: [], tags: [] });
    const ingest = (await valid('/api/v1/namespaces/demo/jobs/ingest.trips', 'Job')) as MarquezJob;
    expect(ingest.latestRuns.map((r) => r.state)).toEqual(['FAILED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(ingest.latestRuns[0]).toEqual(ingest.latestRun);

    const list = (await valid('/api/v1/namespaces/demo/jobs', 'JobList')) as { jobs: MarquezJob[]; totalCount: number };
    const updated = list.jobs.map((j) => j.updatedAt);
    expect(updated).toEqual([...updated].sort().reverse());
    const failed = (await valid('/api/v1/namespaces/demo/jobs?lastRunStates=FAILED', 'JobList')) as { jobs: MarquezJob[]; totalCount: number };
    expect(failed.jobs.map((j) => j.name)).toEqual(['ingest.trips']);
    // As Marquez's, the count is of every job in the namespace, whatever the filter.
    expect(failed.totalCount).toBe(list.totalCount);
    const both = (await get('/api/v1/namespaces/demo/jobs?lastRunStates=FAILED&lastRunStates=COMPLETED')).body as { jobs: MarquezJob[] };
    expect(both.jobs).toHaveLength(list.jobs.length);
    const everywhere = (await valid('/api/v1/jobs?limit=500', 'JobList')) as { jobs: MarquezJob[] };
    expect(everywhere.jobs.map((j) => j.name).sort()).toEqual(list.jobs.map((j) => j.name).sort());
    expect(code(await get('/api/v1/namespaces/demo/jobs?lastRunStates=DONE'))).toBe('400 HTTP_QUERY_INVALID');
  });

  it('searches jobs and datasets by a case-insensitive pattern, filtered and sorted', async () => {
    const all = (await valid('/api/v1/search?q=TRIP_STATS', 'SearchResultList')) as { results: MarquezSearchResult[]; totalCount: number };
    expect(all.results.map((r) => r.nodeId)).toEqual([
      'dataset:aquifer://demo:feature-views/trip_stats',
      'job:demo:features.materialize.trip_stats',
      'job:demo:features.view.trip_stats',
      'dataset:aquifer://demo:online-store/trip_stats',
    ]);
    const datasets = (await valid('/api/v1/search?q=trip%25stats&filter=DATASET&sort=UPDATED_AT', 'SearchResultList')) as {
      results: MarquezSearchResult[];
    };
    expect(datasets.results.map((r) => [r.type, r.name])).toEqual([
      ['DATASET', 'online-store/trip_stats'],
      ['DATASET', 'feature-views/trip_stats'],
    ]);
    const limited = (await get('/api/v1/search?q=trip&filter=job&limit=2')).body as { results: MarquezSearchResult[]; totalCount: number };
    expect(limited.results).toHaveLength(2);
    expect(limited.totalCount).toBeGreaterThan(2);
    expect(code(await get('/api/v1/search'))).toBe('400 HTTP_QUERY_INVALID');
    expect(code(await get('/api/v1/search?q=x&filter=model'))).toBe('400 HTTP_QUERY_INVALID');
  });

  it("answers a transformation's column lineage as its columnLineage facet says, upstream and down", async () => {
    const facet = pipelineEvents().find((e) => e.job.name === 'features.view.trip_stats' && e.eventType === 'COMPLETE')?.outputs[0]?.facets?.['columnLineage'];
    const fields = facet?.['fields'] as Record<
      string,
      { inputFields: { namespace: string; name: string; field: string; transformations: { type: string }[] }[] }
    >;
    const id = `datasetField:aquifer://demo:feature-views/trip_stats:avg_fare`;
    const graph = ((await valid(`/api/v1/column-lineage?nodeId=${q(id)}&depth=1`, 'ColumnLineageGraph')) as { graph: MarquezColumnNode[] }).graph;
    expect(graph.map((n) => n.id)).toEqual([id, 'datasetField:file:/proj/tables/trips:fare']);
    const avgFare = graph.find((n) => n.id === id);
    expect(avgFare?.data?.inputFields.map((i) => [i.namespace, i.dataset, i.field, i.transformationType])).toEqual(
      (fields['avg_fare']?.inputFields ?? []).map((i) => [i.namespace, i.name, i.field, i.transformations[0]?.type]),
    );
    expect(avgFare?.data).toMatchObject({ fieldType: 'DOUBLE', transformationType: 'DIRECT', inputFields: [{ datasetVersion: '5' }] });
    expect(avgFare?.inEdges).toEqual([{ origin: id, destination: 'datasetField:file:/proj/tables/trips:fare' }]);

    // Deeper, the merge's facet says trips.fare came from fixes.fare.
    const deep = ((await get(`/api/v1/column-lineage?nodeId=${q(id)}`)).body as { graph: MarquezColumnNode[] }).graph;
    expect(deep.map((n) => n.id)).toContain('datasetField:file:/proj/tables/fixes:fare');

    const dataset = `dataset:aquifer://demo:feature-views/trip_stats`;
    const whole = (
      (await valid(`/api/v1/column-lineage?nodeId=${q(dataset)}&depth=1&withDownstream=true`, 'ColumnLineageGraph')) as { graph: MarquezColumnNode[] }
    ).graph;
    expect(whole.map((n) => n.id)).toEqual([
      'datasetField:aquifer://demo:feature-views/trip_stats:avg_fare',
      'datasetField:aquifer://demo:feature-views/trip_stats:driver_id',
      'datasetField:aquifer://demo:training-sets/driver_training:avg_fare',
      'datasetField:file:/proj/tables/trips:driver_id',
      'datasetField:file:/proj/tables/trips:fare',
    ]);
    expect(whole.find((n) => n.id === 'datasetField:aquifer://demo:feature-views/trip_stats:avg_fare')?.outEdges).toEqual([
      {
        origin: 'datasetField:aquifer://demo:feature-views/trip_stats:avg_fare',
        destination: 'datasetField:aquifer://demo:training-sets/driver_training:avg_fare',
      },
    ]);
    expect(code(await get(`/api/v1/column-lineage?nodeId=${q('datasetField:file:/proj/tables/trips:nope')}`))).toBe('404 LINEAGE_NODE_NOT_FOUND');
  });

  it('pages the logged events newest first, within before and after', async () => {
    const events = pipelineEvents();
    const first = (await valid('/api/v1/events/lineage?limit=5', 'LineageEventList')) as { events: OpenLineageRunEvent[]; totalCount: number };
    expect(first.totalCount).toBe(events.length);
    expect(first.events).toEqual(events.slice(-5).reverse());
    const next = (await get('/api/v1/events/lineage?limit=5&offset=5')).body as { events: OpenLineageRunEvent[] };
    expect(next.events).toEqual(events.slice(-10, -5).reverse());
    const window = (await valid(
      `/api/v1/events/lineage?after=${q('2026-01-01T00:05:00Z')}&before=${q('2026-01-01T00:07:00Z')}&sortDirection=asc`,
      'LineageEventList',
    )) as { events: OpenLineageRunEvent[]; totalCount: number };
    // After is inclusive and before exclusive, as Marquez's query compares them.
    expect(window.events.map((e) => [e.job.name, e.eventType, e.eventTime])).toEqual([
      ['table.merge.trips', 'COMPLETE', '2026-01-01T00:05:00.000Z'],
      ['ingest.trips', 'START', '2026-01-01T00:05:00.000Z'],
      ['ingest.trips', 'COMPLETE', '2026-01-01T00:06:00.000Z'],
      ['ingest.trips', 'START', '2026-01-01T00:06:00.000Z'],
    ]);
    expect(window.totalCount).toBe(4);
    expect(code(await get('/api/v1/events/lineage?before=yesterday'))).toBe('400 HTTP_QUERY_INVALID');

    // The same from the project's lineage log, as `aquifer serve` reads it.
    const response = await fetch(`${logged.url}/api/v1/events/lineage?limit=1&sortDirection=asc`, {
      headers: { authorization: `Bearer ${tokens['reader'] ?? ''}` },
    });
    const fromLog = (await response.json()) as { events: OpenLineageRunEvent[]; totalCount: number };
    expect(fromLog.totalCount).toBe(events.length);
    expect(fromLog.events.map((e) => e.run.runId)).toEqual([events[0]?.run.runId]);
  });

  it('refuses the new endpoints without a token and to a scoped token', async () => {
    for (const target of [
      '/api/v1/search?q=trips',
      '/api/v1/events/lineage',
      `/api/v1/column-lineage?nodeId=${q('dataset:file:/proj/tables/trips')}`,
      '/api/v1/jobs',
      '/api/v1/namespaces/demo/jobs/ingest.trips/versions',
    ]) {
      expect((await get(target, null)).status).toBe(401);
      expect(code(await get(target, tokens['scoped'] ?? null))).toBe('403 AUTH_FORBIDDEN');
    }
  });
});
