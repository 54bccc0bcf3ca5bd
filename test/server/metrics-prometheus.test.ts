import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { prometheusAvailable, startPrometheus, type PrometheusService } from '../support/services.js';
import { tempDir } from '../support/temp.js';

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

/** How long Prometheus may take to start scraping and to see the last requests (it scrapes every second). */
const SCRAPED_WITHIN_MS = 90_000;

describe.skipIf(!prometheusAvailable())('GET /metrics scraped by a real Prometheus', () => {
  let engine: Engine;
  let server: RunningServer | undefined;
  let prometheus: PrometheusService | undefined;
  let writer: string;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    const project = await Project.init(await tempDir('aquifer-prometheus-'));
    const tokens = TokenStore.forProject(project);
    const reader = (await tokens.create({ role: 'reader', name: 'prometheus' })).token;
    writer = (await tokens.create({ role: 'writer', name: 'loader' })).token;
    server = await startServer({ engine, project, port: 0, anonymous: 'off' });
    // The scrape config an operator writes: the reader token in a file, sent as `Authorization: Bearer`.
    const dir = await tempDir('aquifer-prometheus-config-');
    const tokenFile = path.join(dir, 'aquifer.token');
    await writeFile(tokenFile, reader, { mode: 0o600 });
    const config = path.join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: aquifer',
        '    metrics_path: /metrics',
        '    authorization:',
        '      type: Bearer',
        `      credentials_file: ${tokenFile}`,
        '    static_configs:',
        `      - targets: ['${new URL(server.url).host}']`,
        '',
      ].join('\n'),
    );
    prometheus = await startPrometheus(config);
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.close();
    engine?.close();
  }, 120_000);

  async function query(promql: string): Promise<Series[]> {
    const response = await fetch(`${prometheus?.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data?: { resultType: string; result: Series[] } };
    expect(body.status).toBe('success');
    return body.data?.result ?? [];
  }

  /** Polls the query until `done` holds for its answer; fails with the last answer after SCRAPED_WITHIN_MS. */
  async function eventually(promql: string, done: (series: Series[]) => boolean): Promise<Series[]> {
    const deadline = Date.now() + SCRAPED_WITHIN_MS;
    let last: Series[] = [];
    while (Date.now() < deadline) {
      last = await query(promql);
      if (done(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${promql} did not reach the expected answer; last: ${JSON.stringify(last)}`);
  }

  it('returns the request and ingestion series with their labels and values from its query API', async () => {
    const url = server?.url as string;
    for (let i = 0; i < 3; i++) expect((await fetch(`${url}/health`)).status).toBe(200);
    const ingest = await fetch(`${url}/v1/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ id: 1 }, { id: 2 }]),
    });
    expect(ingest.status).toBe(200);

    const health = await eventually('aquifer_http_requests_total{route="/health"}', (s) => s.length === 1 && s[0]?.value[1] === '3');
    expect(health[0]?.metric).toEqual({
      __name__: 'aquifer_http_requests_total',
      job: 'aquifer',
      instance: new URL(url).host,
      route: '/health',
      method: 'GET',
      status: '200',
    });
    const ingested = await eventually('aquifer_http_requests_total{route="/v1/ingest/:table"}', (s) => s.length === 1);
    expect(ingested[0]?.metric).toMatchObject({ method: 'POST', status: '200' });
    expect(ingested[0]?.value[1]).toBe('1');
    const records = await eventually('aquifer_ingest_records_total', (s) => s.length === 1);
    expect(records[0]?.metric).toMatchObject({ table: 'events', outcome: 'accepted' });
    expect(records[0]?.value[1]).toBe('2');
    // Prometheus's own view of the target: up, scraped with the token (a refused scrape would be up 0).
    const up = await eventually('up{job="aquifer"}', (s) => s.length === 1);
    expect(up[0]?.value[1]).toBe('1');
    // The scrapes themselves are requests to /metrics, answered 200.
    const scrapes = await eventually('aquifer_http_requests_total{route="/metrics",status="200"}', (s) => s.length === 1);
    expect(Number(scrapes[0]?.value[1])).toBeGreaterThan(0);
  }, 180_000);
});
