import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { registerFunctionModel, unregisterFunctionModel } from '../../src/models/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let server: RunningServer;
let reader: string;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-metrics-'));
  const tokens = TokenStore.forProject(project);
  reader = (await tokens.create({ role: 'reader', name: 'prometheus' })).token;
  writer = (await tokens.create({ role: 'writer', name: 'loader' })).token;
  scoped = (await tokens.create({ role: 'reader', name: 'scoped', scopes: ['events'] })).token;
  registerFunctionModel('doubler', (rows) => rows.map((r) => Number(r['amount']) * 2), { inputs: ['amount'] });
  server = await startServer({ engine, project, port: 0, anonymous: 'off' });
});
afterAll(async () => {
  unregisterFunctionModel('doubler');
  await server?.close();
  engine?.close();
});

let writer: string;
let scoped: string;

async function scrape(token = reader): Promise<string> {
  const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

/** The value of one sample line `name{labels} value`, labels in the order prom-client writes them; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Ingests the records; resolves to the table version that holds them. */
async function ingest(table: string, records: readonly unknown[]): Promise<number> {
  const response = await fetch(`${server.url}/v1/ingest/${table}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { version: number }).version;
}

describe('GET /metrics', () => {
  it('refuses a request without a token (401) and a scoped token (403)', async () => {
    const anonymous = await fetch(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('AUTH_TOKEN_MISSING');
    const narrow = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${scoped}` } });
    expect(narrow.status).toBe(403);
  });

  it('answers the Prometheus text format with HELP and TYPE lines and Node process metrics under the aquifer_ prefix', async () => {
    const text = await scrape();
    expect(text).toContain('# TYPE aquifer_http_requests_total counter');
    expect(text).toContain('# HELP aquifer_http_requests_total ');
    expect(text).toContain('# TYPE aquifer_http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE aquifer_ingest_records_total counter');
    expect(text).toContain('# TYPE aquifer_ingest_commit_duration_seconds histogram');
    expect(text).toContain('# TYPE aquifer_predictions_total counter');
    expect(text).toContain('# TYPE aquifer_prediction_log_rows_total counter');
    expect(text).toContain('# TYPE aquifer_prediction_log_commit_duration_seconds histogram');
    expect(text).toContain('# TYPE aquifer_table_version gauge');
    expect(text).toContain('# TYPE aquifer_table_last_commit_timestamp_seconds gauge');
    expect(text).toContain('# TYPE aquifer_process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE aquifer_nodejs_eventloop_lag_seconds gauge');
    // Every metric name follows the prefix; none comes from prom-client's global registry.
    const names = text
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2] as string);
    expect(names.filter((n) => !n.startsWith('aquifer_'))).toEqual([]);
  });

  it('counts requests by route template, method and status, refusals and unmatched paths included', async () => {
    const before = await scrape();
    const health = '/health';
    expect((await fetch(`${server.url}${health}`)).status).toBe(200);
    expect((await fetch(`${server.url}${health}`)).status).toBe(200);
    expect((await fetch(`${server.url}/v1/ingest/events`, { method: 'POST', body: '[]', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect((await fetch(`${server.url}/no/such/path/42`, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(404);
    const after = await scrape();
    const delta = (series: string) => sample(after, series) - sample(before, series);
    expect(delta('aquifer_http_requests_total{route="/health",method="GET",status="200"}')).toBe(2);
    expect(delta('aquifer_http_requests_total{route="/v1/ingest/:table",method="POST",status="401"}')).toBe(1);
    expect(delta('aquifer_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(1);
    expect(delta('aquifer_http_request_duration_seconds_count{route="/health",method="GET"}')).toBe(2);
    // The raw path never becomes a label.
    expect(after).not.toContain('/no/such/path/42');
    expect(after).not.toContain('route="/v1/ingest/events"');
  });

  it('counts ingested records by table and outcome, and reports the table version and commit time', async () => {
    const started = Date.now() / 1000;
    await ingest('clicks', [{ user: 1 }, { user: 2 }, { user: 3 }]);
    const version = await ingest('clicks', [{ user: 4 }, { user: 'five' }]);
    const text = await scrape();
    expect(sample(text, 'aquifer_ingest_records_total{table="clicks",outcome="accepted"}')).toBe(4);
    expect(sample(text, 'aquifer_ingest_records_total{table="clicks",outcome="quarantined"}')).toBe(1);
    expect(sample(text, 'aquifer_ingest_commits_total{table="clicks",result="ok"}')).toBe(2);
    expect(sample(text, 'aquifer_ingest_commit_duration_seconds_count{table="clicks"}')).toBe(2);
    // The bodies' bytes as sent.
    expect(sample(text, 'aquifer_ingest_bytes_total{table="clicks"}')).toBe(
      Buffer.byteLength(JSON.stringify([{ user: 1 }, { user: 2 }, { user: 3 }])) + Buffer.byteLength(JSON.stringify([{ user: 4 }, { user: 'five' }])),
    );
    expect(sample(text, 'aquifer_table_version{table="clicks"}')).toBe(version);
    // Each commit was an ingest job run of the server.
    expect(sample(text, 'aquifer_job_runs_total{type="INGEST",state="complete"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'aquifer_job_run_duration_seconds_count{type="INGEST"}')).toBeGreaterThanOrEqual(2);
    // Two commits of one file each.
    expect(sample(text, 'aquifer_table_files{table="clicks"}')).toBe(2);
    const committed = sample(text, 'aquifer_table_last_commit_timestamp_seconds{table="clicks"}');
    expect(committed).toBeGreaterThanOrEqual(Math.floor(started) - 1);
    expect(committed).toBeLessThanOrEqual(Date.now() / 1000 + 1);
  });

  it('counts prediction rows by model and version on the fast path, and the prediction log’s commits once they land', async () => {
    const response = await fetch(`${server.url}/v1/models/doubler/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ amount: 1 }, { amount: 2 }, { amount: 3 }] }),
    });
    expect(response.status).toBe(200);
    const { request_id: requestId } = (await response.clone().json()) as { request_id: string };
    let text = await scrape();
    expect(sample(text, 'aquifer_predictions_total{model="doubler",version="function"}')).toBe(3);
    expect(sample(text, 'aquifer_http_requests_total{route="/v1/models/:name/predict",method="POST",status="200"}')).toBe(1);
    // The log commits after its linger, off the request path: wait for it rather than for a time.
    for (let i = 0; i < 600 && sample(text, 'aquifer_prediction_log_rows_total{model="doubler"}') < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = await scrape();
    }
    expect(sample(text, 'aquifer_prediction_log_rows_total{model="doubler"}')).toBe(3);
    expect(sample(text, 'aquifer_prediction_log_commit_duration_seconds_count{model="doubler"}')).toBe(1);
    expect(sample(text, 'aquifer_prediction_log_failures_total{model="doubler"}')).toBe(0);
    // Labels fed back for two of the three rows.
    const feedback = await fetch(`${server.url}/v1/models/doubler/feedback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { request_id: requestId, row: 0, label: 2 },
        { request_id: requestId, row: 2, label: 6 },
      ]),
    });
    expect(feedback.status, await feedback.clone().text()).toBe(200);
    expect(sample(await scrape(), 'aquifer_feedback_labels_total{model="doubler"}')).toBe(2);
  });

  it('keeps each server’s counts apart: a second server in the process starts from zero', async () => {
    const other = await startServer({ engine, project, port: 0, anonymous: 'off' });
    try {
      const response = await fetch(`${other.url}/metrics`, { headers: { authorization: `Bearer ${reader}` } });
      const text = await response.text();
      expect(sample(text, 'aquifer_http_requests_total{route="/health",method="GET",status="200"}')).toBe(0);
      expect(sample(text, 'aquifer_ingest_records_total{table="clicks",outcome="accepted"}')).toBe(0);
    } finally {
      await other.close();
    }
  });
});
