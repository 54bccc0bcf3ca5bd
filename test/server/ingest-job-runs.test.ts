import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { quarantineLocation } from '../../src/ingest/index.js';
import { onJobRun, type JobRunEvent } from '../../src/observe/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let server: RunningServer;
const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-server-runs-'), 'shop');
  server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
});
afterAll(async () => {
  await server?.close();
  engine?.close();
});
afterEach(() => {
  stop?.();
  stop = undefined;
  events.length = 0;
});

async function ingest(table: string, body: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}/v1/ingest/${table}`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

const runsOf = (name: string) => events.filter((e) => e.job.name === name);

describe('HTTP ingestion as job runs', () => {
  it('makes a commit of POST /v1/ingest/{table} one run ingest.http.<table>: the route as input with its records, the idempotency key as parameter, the versions as outputs', async () => {
    stop = onJobRun((event) => events.push(event));
    await ingest('clicks', '{"id": 1}\n{"id": 2}\nnot json\n', { 'idempotency-key': 'order-17' });
    const runs = runsOf('ingest.http.clicks');
    expect(runs.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
    const complete = runs[1]!;
    expect(complete.job).toEqual({
      name: 'ingest.http.clicks',
      type: 'INGEST',
      processing: 'STREAMING',
      project: project.root,
      parameters: { idempotencyKey: 'order-17' },
    });
    expect(complete.inputs).toEqual([{ namespace: 'aquifer://shop', name: '/v1/ingest/clicks', kind: 'http', statistics: { rowCount: 3 } }]);
    // The first request creates the table and its quarantine (version 0), then commits to both.
    expect(complete.outputs.map((o) => [o.name, o.kind, o.versions, o.operation])).toEqual([
      [project.tablePath('clicks'), 'table', [0, 1], 'WRITE'],
      [quarantineLocation(project.tablePath('clicks')), 'table', [0, 1], 'WRITE'],
    ]);
  });

  it('names no parameters for a request without an idempotency key', async () => {
    await ingest('views', '{"id": 1}\n');
    stop = onJobRun((event) => events.push(event));
    await ingest('views', '{"id": 2}\n');
    const runs = runsOf('ingest.http.views');
    expect(runs.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
    expect(runs[1]!.job).toEqual({ name: 'ingest.http.views', type: 'INGEST', processing: 'STREAMING', project: project.root });
    expect(runs[1]!.inputs).toEqual([{ namespace: 'aquifer://shop', name: '/v1/ingest/views', kind: 'http', statistics: { rowCount: 1 } }]);
    expect(runs[1]!.outputs.map((o) => [o.name, o.version, o.operation])).toEqual([[project.tablePath('views'), '2', 'WRITE']]);
  });

  it('publishes no run while nobody listens', async () => {
    await ingest('quiet', '{"id": 1}\n');
    stop = onJobRun((event) => events.push(event));
    expect(events).toEqual([]);
  });
});
