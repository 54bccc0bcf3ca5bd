import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LineageLog, type LineageResult, type MarquezDataset, type MarquezGraphNode, type MarquezJob } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { pipelineEvents } from '../lineage/graph/pipeline-fixture.js';
import { tempDir } from '../support/temp.js';

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
