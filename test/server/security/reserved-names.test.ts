import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppliedFeatureStore } from '../../../src/features/index.js';
import type { RunningServer } from '../../../src/server/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { applyDefinitions, serve, securityProject, writtenState, type SecurityFixture } from './fixture.js';
import { rawRequest } from './raw-request.js';

let fixture: SecurityFixture;
let server: RunningServer;
let writer: string;
let admin: string;

/** A model's prediction log as the server writes it (a subset of its columns), with one logged row. */
const LOGGED = `SELECT 'r1' AS request_id, 0::BIGINT AS row_index, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS time, 'churn' AS model, '1' AS version, '1' AS prediction`;

beforeAll(async () => {
  fixture = await securityProject();
  const { project, engine } = fixture;
  await DeltaTable.create(project.tablePath('churn__predictions', { internal: true }), { engine, data: { sql: LOGGED } });
  // A feature view over the prediction log (monitoring what a model answered): reading it is allowed.
  await writeFile(
    project.featuresPath,
    JSON.stringify({
      entities: [
        { name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] },
        { name: 'request', joinKeys: [{ name: 'request_id', type: 'string' }] },
      ],
      featureViews: [
        {
          name: 'driver_stats',
          entities: ['driver'],
          source: { kind: 'table', table: 'driver_stats', timestampField: 'event_ts' },
          features: [{ name: 'trips', type: 'long' }],
          ttl: '1d',
        },
        {
          name: 'served',
          entities: ['request'],
          source: { kind: 'table', table: 'churn__predictions', timestampField: 'time' },
          features: [{ name: 'prediction', type: 'string' }],
        },
      ],
    }),
  );
  await applyDefinitions(project, engine);
  const features = await openAppliedFeatureStore(project, engine);
  await features.materialize(0, '2030-01-01T00:00:00Z');
  await features.online?.close();
  writer = (await fixture.store.create({ role: 'writer' })).token;
  admin = (await fixture.store.create({ role: 'admin' })).token;
  server = await serve(fixture);
});
afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

const post = (path: string, body: string) =>
  rawRequest(server.url, { path, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` } });

describe("a model's log tables over HTTP", () => {
  it('refuses every spelling of an ingest into a prediction log or feedback table with 400 PROJECT_TABLE_NAME_RESERVED, writing nothing', async () => {
    const before = await writtenState(fixture, server, admin);
    const spellings = [
      '/v1/ingest/churn__predictions',
      '/v1/ingest/churn__feedback',
      '/v1/ingest/CHURN__PREDICTIONS',
      '/v1/ingest/churn%5F%5Fpredictions',
      '/v1/ingest/churn%5f%5ffeedback',
      '/v1/ingest/churn__%70%72edictions',
      '//v1/ingest/churn__predictions/',
      '/%76%31/ingest/churn__feedback',
      '/v1/ingest/new_model__predictions',
    ];
    const answers = await Promise.all(spellings.map(async (path) => [path, await post(path, JSON.stringify([{ request_id: 'forged', label: 1 }]))] as const));
    expect(Object.fromEntries(answers.map(([path, a]) => [path, `${a.status} ${a.json.error?.code ?? a.text}`]))).toEqual(
      Object.fromEntries(spellings.map((path) => [path, '400 PROJECT_TABLE_NAME_RESERVED'])),
    );
    expect(await writtenState(fixture, server, admin)).toEqual(before);
  });

  it("refuses an offline push into a view whose table is a model's log, and still serves the view's features read from it", async () => {
    const before = await writtenState(fixture, server, admin);
    const push = await post(
      '/push',
      JSON.stringify({ push_source_name: 'served', to: 'offline', df: { request_id: ['forged'], time: ['2024-05-02T00:00:00Z'], prediction: ['0'] } }),
    );
    expect(push.status).toBe(400);
    expect(push.json.error?.code).toBe('PROJECT_TABLE_NAME_RESERVED');
    expect(await writtenState(fixture, server, admin)).toEqual(before);
    const read = await rawRequest(server.url, {
      path: '/get-online-features',
      body: JSON.stringify({ features: ['served:prediction'], entities: { request_id: ['r1'] } }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` },
    });
    expect(read.status, read.text).toBe(200);
    expect(read.text).toContain('"1"');
  });
});
