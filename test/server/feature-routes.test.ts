import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, MAX_ONLINE_KEY_BYTES, openAppliedFeatureStore, readProjectDefinitions } from '../../src/features/index.js';
import { onJobRun, type JobRunEvent } from '../../src/observe/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';

let engine: Engine;
let server: RunningServer;
let project: Project;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await driverStatsProject(
    engine,
    `SELECT 1001::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts, 0.5::DOUBLE AS conv_rate, 7::BIGINT AS trips`,
    'aquifer-feature-server-',
  );
  await writeFile(
    project.featuresPath,
    JSON.stringify({
      entities: [driverEntity],
      featureViews: [driverStatsView({ ttl: '1d' })],
      featureServices: [{ name: 'ranker', features: ['driver_stats:conv_rate'] }],
    }),
  );
  // The server serves the definitions as last applied, as the CLI does.
  await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
  const store = await openAppliedFeatureStore(project, engine);
  await store.materialize(0, '2030-01-01T00:00:00Z');
  await store.online?.close();
  server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
});

afterAll(async () => {
  await server?.close();
  engine?.close();
});

const post = async (route: string, body: unknown) => {
  const response = await fetch(`${server.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('the feature server', () => {
  it("answers POST /get-online-features in Feast's request and response shapes", async () => {
    const { status, body } = await post('/get-online-features', {
      features: ['driver_stats:conv_rate', 'driver_stats:trips'],
      entities: { driver_id: [1001, 1002] },
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      metadata: { feature_names: ['driver_id', 'conv_rate', 'trips'] },
      results: [
        { values: [1001, 1002], statuses: ['PRESENT', 'PRESENT'], event_timestamps: ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'] },
        { values: [0.5, null], statuses: ['PRESENT', 'NOT_FOUND'], event_timestamps: ['2024-05-01T10:00:00Z', '1970-01-01T00:00:00Z'] },
        { values: [7, null], statuses: ['PRESENT', 'NOT_FOUND'], event_timestamps: ['2024-05-01T10:00:00Z', '1970-01-01T00:00:00Z'] },
      ],
    });
  });

  it('serves a feature service with full feature names', async () => {
    const { body } = await post('/get-online-features', { feature_service: 'ranker', entities: { driver_id: [1001] }, full_feature_names: true });
    expect((body['metadata'] as { feature_names: string[] }).feature_names).toEqual(['driver_id', 'driver_stats__conv_rate']);
  });

  it('takes pushed rows online and offline', async () => {
    const pushed = await post('/push', {
      push_source_name: 'driver_stats',
      to: 'online_and_offline',
      df: { driver_id: [1002], event_ts: ['2024-05-02T00:00:00Z'], conv_rate: [0.75], trips: [3] },
    });
    expect(pushed).toEqual({ status: 200, body: { pushed: 1, to: 'online_and_offline' } });
    const { body } = await post('/get-online-features', { features: ['driver_stats:trips'], entities: { driver_id: [1002] } });
    expect((body['results'] as { values: unknown[] }[])[1]?.values).toEqual([3]);
    expect(await (await (await DeltaTable.open(project.tablePath('driver_stats'), { engine })).scan()).count()).toBe(2);
  });

  it('makes a push one run ingest.http.<view>: the /push route as input, the view table version and online store as outputs', async () => {
    const events: JobRunEvent[] = [];
    const stop = onJobRun((event) => events.push(event));
    try {
      const pushed = await post('/push', {
        push_source_name: 'driver_stats',
        to: 'online_and_offline',
        df: { driver_id: [2001, 2002], event_ts: ['2024-05-03T00:00:00Z', '2024-05-03T00:00:00Z'], conv_rate: [0.1, 0.2], trips: [1, 2] },
      });
      expect(pushed.status).toBe(200);
    } finally {
      stop();
    }
    const runs = events.filter((e) => e.job.name === 'ingest.http.driver_stats');
    expect(runs.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
    const complete = runs[1]!;
    expect(complete.job).toEqual({ name: 'ingest.http.driver_stats', type: 'INGEST', processing: 'STREAMING', project: project.root });
    const namespace = `aquifer://${project.config.name}`;
    expect(complete.inputs).toEqual([{ namespace, name: '/push', kind: 'http', statistics: { rowCount: 2 } }]);
    const version = (await (await DeltaTable.open(project.tablePath('driver_stats'), { engine })).snapshot()).version;
    expect(complete.outputs.map((o) => [o.namespace, o.name, o.kind, o.version, o.statistics?.rowCount])).toEqual([
      ['file', project.tablePath('driver_stats'), 'table', String(version), 2],
      [namespace, 'online-store/driver_stats', 'online-store', undefined, 2],
    ]);
  });

  it('answers malformed requests with 4xx and a typed error body', async () => {
    expect(await post('/get-online-features', { entities: { driver_id: [1] } })).toMatchObject({
      status: 400,
      body: { error: { code: 'FEATURE_REQUEST_INVALID' } },
    });
    expect(await post('/get-online-features', { features: ['driver_stats:nope'], entities: { driver_id: [1] } })).toMatchObject({
      status: 404,
      body: { error: { code: 'FEATURE_NOT_FOUND' } },
    });
    expect(await post('/get-online-features', { features: ['driver_stats:trips'], entities: { wrong: [1] } })).toMatchObject({
      status: 400,
      body: { error: { code: 'FEATURE_REQUEST_INVALID' } },
    });
    expect(await post('/get-online-features', { features: [1], entities: { driver_id: [1] } })).toMatchObject({
      status: 400,
      body: { error: { code: 'FEATURE_REQUEST_INVALID' } },
    });
    const raw = await fetch(`${server.url}/get-online-features`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { code: 'HTTP_BODY_INVALID' } });
  });

  it('answers bodies of the wrong shape with 400 FEATURE_REQUEST_INVALID naming the field', async () => {
    const field = async (route: string, body: unknown) => {
      const answer = await post(route, body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'FEATURE_REQUEST_INVALID' } });
      return (answer.body['error'] as { value: { field: string } }).value.field;
    };
    expect(await field('/get-online-features', { features: ['driver_stats:trips', 1], entities: { driver_id: [1] } })).toBe('features[1]');
    expect(await field('/get-online-features', { features: ['driver_stats:trips'], entities: { driver_id: [{ id: 1 }] } })).toBe('entities.driver_id[0]');
    expect(await field('/get-online-features', { features: ['driver_stats:trips'], entities: { driver_id: 1 } })).toBe('entities.driver_id');
    expect(await field('/get-online-features', { features: 'driver_stats:trips', entities: { driver_id: [1] } })).toBe('features');
    expect(await field('/push', { push_source_name: 'driver_stats', df: { driver_id: [1] }, to: 'sideways' })).toBe('to');
    expect(await field('/push', { push_source_name: 7, df: {} })).toBe('push_source_name');
    expect(await field('/push', { push_source_name: 'driver_stats', df: { driver_id: 1 } })).toBe('df.driver_id');
  });

  it('refuses a pushed value of the wrong type with 400 FEATURE_PUSH_VALUE_INVALID, writing nothing online or offline', async () => {
    const table = async () => (await (await DeltaTable.open(project.tablePath('driver_stats'), { engine })).snapshot()).version;
    const version = await table();
    const pushed = await post('/push', {
      push_source_name: 'driver_stats',
      to: 'online_and_offline',
      df: { driver_id: [2001, 2002], event_ts: ['2024-05-02T00:00:00Z', '1'], conv_rate: [0.1, 0.2], trips: [1, 2] },
    });
    expect(pushed).toMatchObject({ status: 400, body: { error: { code: 'FEATURE_PUSH_VALUE_INVALID', value: { column: 'event_ts', row: 1 } } } });
    const typed = await post('/push', {
      push_source_name: 'driver_stats',
      df: { driver_id: [1003], event_ts: ['2024-05-02T00:00:00Z'], conv_rate: [0.1], trips: ['3'] },
    });
    expect(typed).toMatchObject({ status: 400, body: { error: { code: 'FEATURE_PUSH_VALUE_INVALID', value: { column: 'trips', row: 0, expected: 'long' } } } });
    const { body } = await post('/get-online-features', { features: ['driver_stats:trips'], entities: { driver_id: [1003, 1004] } });
    expect((body['results'] as { statuses: string[] }[])[1]?.statuses).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(await table()).toBe(version);
  });

  it('refuses an entity key over the accepted size with 400 FEATURE_ENTITY_KEY_TOO_LONG', async () => {
    const ids = '9'.repeat(MAX_ONLINE_KEY_BYTES);
    expect(await post('/get-online-features', { features: ['driver_stats:trips'], entities: { driver_id: [ids] } })).toMatchObject({
      status: 400,
      body: { error: { code: 'FEATURE_ENTITY_KEY_TOO_LONG' } },
    });
  });

  it('refuses a lookup body over the size limit with 413, and still serves after it', async () => {
    const small = await startServer({ engine, project, port: 0, anonymous: 'loopback', limits: { bodyBytes: 256 } });
    try {
      const ids = Array.from({ length: 200 }, (_, i) => i);
      const refused = await fetch(`${small.url}/get-online-features`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ features: ['driver_stats:trips'], entities: { driver_id: ids } }),
      });
      expect(refused.status).toBe(413);
      expect(await refused.json()).toMatchObject({ error: { code: 'HTTP_BODY_TOO_LARGE', value: 256 } });
      const served = await fetch(`${small.url}/get-online-features`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ features: ['driver_stats:trips'], entities: { driver_id: [1001] } }),
      });
      expect(((await served.json()) as { results: { values: unknown[] }[] }).results[1]?.values).toEqual([7]);
    } finally {
      await small.close();
    }
  });
});
