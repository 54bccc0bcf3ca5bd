import os from 'node:os';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { applyDefinitions, serve, securityProject, type SecurityFixture } from './fixture.js';
import { rawRequest } from './raw-request.js';

let fixture: SecurityFixture;
let server: RunningServer;
let admin: string;

beforeAll(async () => {
  fixture = await securityProject();
  // A view whose table is gone after apply: pushing to it offline fails inside the table layer.
  const features = JSON.parse(await readFile(fixture.project.featuresPath, 'utf8')) as { featureViews: { name: string; source: { table: string } }[] };
  const view = features.featureViews[0] as { name: string; source: { table: string } };
  features.featureViews.push({ ...view, name: 'ghost_stats', source: { ...view.source, table: 'ghost' } });
  await writeFile(fixture.project.featuresPath, JSON.stringify(features));
  await DeltaTable.create(fixture.project.tablePath('ghost'), {
    engine: fixture.engine,
    data: { sql: `SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts, 7::BIGINT AS trips` },
  });
  await applyDefinitions(fixture.project, fixture.engine);
  await rm(fixture.project.tablePath('ghost'), { recursive: true });
  admin = (await fixture.store.create({ role: 'admin' })).token;
  server = await serve(fixture);
});
afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

describe('error bodies over HTTP', () => {
  it('answer a missing table with a typed 404 that names no location of the server', async () => {
    const answer = await rawRequest(server.url, {
      path: '/push',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ push_source_name: 'ghost_stats', to: 'offline', df: { driver_id: [1], event_ts: ['2024-05-02T00:00:00Z'], trips: [1] } }),
    });
    expect(`${answer.status} ${answer.json.error?.code}`).toBe('404 TABLE_NOT_FOUND');
    expect(answer.text).not.toContain(fixture.project.root);
    expect(answer.text).not.toContain(os.tmpdir());
  });

  it('give every refusal the same typed shape: code, message and hint', async () => {
    const answer = await rawRequest(server.url, { path: '/nowhere', headers: { authorization: `Bearer ${admin}` }, body: '' });
    expect(answer.status).toBe(404);
    expect(answer.headers['content-type']).toContain('application/json');
    expect(answer.json.error).toEqual({ code: 'HTTP_NOT_FOUND', message: expect.any(String), hint: expect.any(String) });
  });
});

describe('error bodies on Open Inference Protocol paths', () => {
  const INFER = JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] });

  it("answer every refusal, the pipeline's included, in the protocol's shape with the status Aquifer gives it", async () => {
    const scoped = (await fixture.store.create({ role: 'reader', scopes: ['other_model'] })).token;
    const small = await serve(fixture, { limits: { bodyBytes: 1_024 } });
    try {
      const auth = { authorization: `Bearer ${admin}` };
      const json = { 'content-type': 'application/json' };
      const cases: [string, Promise<Awaited<ReturnType<typeof rawRequest>>>][] = [
        ['401 AUTH_TOKEN_MISSING', rawRequest(server.url, { method: 'GET', path: '/v2' })],
        ['401 AUTH_TOKEN_INVALID', rawRequest(server.url, { path: '/v2/models/churn/infer', headers: { ...json, authorization: 'Bearer nope' }, body: INFER })],
        [
          '403 AUTH_FORBIDDEN',
          rawRequest(server.url, { path: '/v2/models/churn/infer', headers: { ...json, authorization: `Bearer ${scoped}` }, body: INFER }),
        ],
        ['413 HTTP_BODY_TOO_LARGE', rawRequest(small.url, { path: '/v2/models/churn/infer', headers: { ...json, ...auth }, body: `[${' '.repeat(2_048)}]` })],
        [
          '415 HTTP_UNSUPPORTED_MEDIA_TYPE',
          rawRequest(server.url, { path: '/v2/models/churn/infer', headers: { 'content-type': 'text/plain', ...auth }, body: INFER }),
        ],
        ['400 HTTP_BODY_INVALID', rawRequest(server.url, { path: '/v2/models/churn/infer', headers: { ...json, ...auth }, body: '{"inputs": [' })],
        ['404 HTTP_NOT_FOUND', rawRequest(server.url, { method: 'GET', path: '/v2/nothing/here', headers: auth })],
        ['404 MODEL_STORE_NOT_FOUND', rawRequest(server.url, { path: '/v2/models/churn/infer', headers: { ...json, ...auth }, body: INFER })],
        ['404 MODEL_STORE_NOT_FOUND', rawRequest(server.url, { method: 'GET', path: '/v2/models/churn/versions/7/ready', headers: auth })],
        ['400 HTTP_PATH_INVALID', rawRequest(server.url, { method: 'GET', path: '/v2/models/%zz', headers: auth })],
      ];
      for (const [expected, pending] of cases) {
        const answer = await pending;
        expect(`${answer.status} ${String(answer.json['code'])}`, answer.text).toBe(expected);
        expect(answer.headers['content-type']).toContain('application/json');
        expect(answer.json).toEqual({ error: expect.any(String), code: expected.split(' ')[1] });
        expect(answer.text).not.toContain(fixture.project.root);
      }
    } finally {
      await small.close();
    }
  });

  it("keep Aquifer's own shape off the protocol's paths", async () => {
    const answer = await rawRequest(server.url, { method: 'GET', path: '/v2x', headers: { authorization: `Bearer ${admin}` } });
    expect(answer.json.error).toEqual({ code: 'HTTP_NOT_FOUND', message: expect.any(String), hint: expect.any(String) });
  });
});
