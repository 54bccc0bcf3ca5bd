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
