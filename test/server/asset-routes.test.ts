import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { AssetRun } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { CHAIN, EVENTS_SQL, writeAssets } from '../orchestrate/fixture.js';
import { tempDir } from '../support/temp.js';

/** The asset API over a served project: the graph with statuses, the run history, and launching runs. */
let engine: Engine;
let project: Project;
let server: RunningServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-asset-routes-'), 'project'));
  await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: EVENTS_SQL } });
  // broken fails when it runs: 'web' is no integer.
  await writeAssets(project, 'shop', [...CHAIN, { name: 'broken', kind: 'sql', sql: 'SELECT CAST(channel AS INTEGER) AS c FROM events' }]);
  const store = TokenStore.forProject(project);
  tokens['reader'] = (await store.create({ role: 'reader' })).token;
  tokens['writer'] = (await store.create({ role: 'writer' })).token;
  tokens['scoped'] = (await store.create({ role: 'writer', scopes: ['clean_events'] })).token;
  server = await startServer({ engine, project, port: 0 });
});

afterAll(async () => {
  await server?.close();
  project?.close();
  engine?.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  code: string;
}

async function call(method: 'GET' | 'POST', route: string, token: string | undefined, body?: unknown): Promise<Answer> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body: json, code: `${response.status} ${(json['error'] as { code?: string } | undefined)?.code ?? ''}`.trim() };
}

/** Polls until the run has ended, for up to 60 s (a readiness wait, not a timing assertion). */
async function ended(id: string): Promise<AssetRun> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await call('GET', `/v1/runs/${id}`, tokens['reader']);
    expect(answer.status).toBe(200);
    const run = answer.body as unknown as AssetRun;
    if (run.status !== 'running' && (run.status as string) !== 'pending') return run;
    if (Date.now() > deadline) throw new Error(`the run ${id} did not end`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the asset API', () => {
  it('asks for a token on every route', async () => {
    expect((await call('GET', '/v1/assets', undefined)).code).toBe('401 AUTH_TOKEN_MISSING');
    expect((await call('GET', '/v1/runs', undefined)).code).toBe('401 AUTH_TOKEN_MISSING');
    expect((await call('GET', '/v1/runs/abc', undefined)).code).toBe('401 AUTH_TOKEN_MISSING');
    expect((await call('POST', '/v1/runs', undefined, { asset: 'clean_events' })).code).toBe('401 AUTH_TOKEN_MISSING');
  });

  it('answers the graph with each asset never run, to a reader', async () => {
    const answer = await call('GET', '/v1/assets', tokens['reader']);
    expect(answer.status).toBe(200);
    expect(answer.body['edges']).toEqual([
      { from: 'events', to: 'clean_events' },
      { from: 'clean_events', to: 'daily_totals' },
      { from: 'events', to: 'broken' },
    ]);
    const assets = answer.body['assets'] as { name: string; kind: string; status?: unknown }[];
    expect(assets.map((a) => [a.name, a.kind, a.status])).toEqual([
      ['events', 'table', undefined],
      ['clean_events', 'sql', [{ status: 'never' }]],
      ['daily_totals', 'sql', [{ status: 'never' }]],
      ['broken', 'sql', [{ status: 'never' }]],
    ]);
  });

  it('launches a run with its upstream for a writer, answers 202 with its id, and the run ends in the history', async () => {
    expect((await call('POST', '/v1/runs', tokens['reader'], { asset: 'daily_totals' })).code).toBe('403 AUTH_FORBIDDEN');
    const launched = await call('POST', '/v1/runs', tokens['writer'], { asset: 'daily_totals', withUpstream: true });
    expect(launched.status).toBe(202);
    const id = launched.body['id'] as string;
    expect(launched.body).toEqual({ id, asset: 'daily_totals' });
    expect(await ended(id)).toMatchObject({ id, asset: 'daily_totals', trigger: 'api', status: 'success', inputs: { clean_events: 0 } });
    const listed = await call('GET', '/v1/runs?limit=1', tokens['reader']);
    expect((listed.body['runs'] as AssetRun[]).map((r) => r.id)).toEqual([id]);
    const upstream = await call('GET', '/v1/runs?asset=clean_events', tokens['reader']);
    expect((upstream.body['runs'] as AssetRun[]).map((r) => [r.asset, r.trigger, r.status])).toEqual([['clean_events', 'api', 'success']]);
    const graph = await call('GET', '/v1/assets', tokens['reader']);
    const totals = (graph.body['assets'] as { name: string; status?: { status: string }[] }[]).find((a) => a.name === 'daily_totals');
    expect(totals?.status?.map((s) => s.status)).toEqual(['fresh']);
  });

  it('shows a failed run as failed, with its error code', async () => {
    const launched = await call('POST', '/v1/runs', tokens['writer'], { asset: 'broken' });
    expect(launched.status).toBe(202);
    const run = await ended(launched.body['id'] as string);
    expect(run).toMatchObject({ asset: 'broken', status: 'failed', error: { code: 'ENGINE_QUERY_FAILED' } });
  });

  it('lets a token scoped to an asset run it alone, not with its upstream, nor read the whole graph', async () => {
    const launched = await call('POST', '/v1/runs', tokens['scoped'], { asset: 'clean_events', partition: '2024-05-02' });
    expect(launched.status).toBe(202);
    expect(launched.body).toMatchObject({ asset: 'clean_events', partition: '2024-05-02' });
    expect(await ended(launched.body['id'] as string)).toMatchObject({ partition: '2024-05-02', status: 'success' });
    expect((await call('POST', '/v1/runs', tokens['scoped'], { asset: 'daily_totals' })).code).toBe('403 AUTH_FORBIDDEN');
    expect((await call('POST', '/v1/runs', tokens['scoped'], { asset: 'clean_events', withUpstream: true })).code).toBe('403 AUTH_FORBIDDEN');
    expect((await call('GET', '/v1/assets', tokens['scoped'])).code).toBe('403 AUTH_FORBIDDEN');
  });

  it('refuses what it cannot launch or answer with typed errors', async () => {
    expect((await call('POST', '/v1/runs', tokens['writer'], { asset: 'nope' })).code).toBe('404 ASSET_NOT_FOUND');
    expect((await call('POST', '/v1/runs', tokens['writer'], { asset: 'clean_events', partition: '2023-01-01' })).code).toBe('400 ASSET_PARTITION_INVALID');
    expect((await call('POST', '/v1/runs', tokens['writer'], { asset: 'clean_events', when: 'now' })).code).toBe('400 HTTP_BODY_INVALID');
    expect((await call('POST', '/v1/runs', tokens['writer'], '{"asset":')).code).toMatch(/^400 /);
    expect((await call('GET', '/v1/runs?limit=5000', tokens['reader'])).code).toBe('400 HTTP_QUERY_INVALID');
    expect((await call('GET', '/v1/runs?limit=0', tokens['reader'])).code).toBe('400 HTTP_QUERY_INVALID');
    expect((await call('GET', '/v1/runs/no-such-run', tokens['reader'])).code).toBe('404 ASSET_RUN_NOT_FOUND');
  });
});
