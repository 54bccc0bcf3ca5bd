import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { HttpLineageSink, LineageLog, lineageSpoolDir, recordLineage } from '../../src/lineage/index.js';
import { withJobRun } from '../../src/observe/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

/** An OpenLineage endpoint that fails the first `failures` requests with 500, then accepts. */
class Endpoint {
  readonly received: { body: string; authorization: string | undefined; path: string }[] = [];
  requests = 0;
  private server: http.Server | undefined;

  constructor(private failures: number) {}

  async start(port = 0): Promise<string> {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.requests++;
        if (this.failures > 0) {
          this.failures--;
          response.writeHead(500).end('down');
          return;
        }
        this.received.push({ body: Buffer.concat(chunks).toString('utf8'), authorization: request.headers.authorization, path: request.url ?? '' });
        response.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

/** A port nothing listens on: taken from a server that is then closed. */
async function closedPort(): Promise<number> {
  const endpoint = new Endpoint(0);
  const url = await endpoint.start();
  await endpoint.stop();
  return Number(new URL(url).port);
}

async function projectSendingTo(url: string, extra: Record<string, unknown> = {}): Promise<Project> {
  const dir = await tempDir('aquifer-lineage-http-');
  await Project.init(dir, 'shop');
  const file = path.join(dir, CONFIG_FILE);
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...config, lineage: { http: { url, ...extra } } }));
  return Project.open(dir);
}

const fast = { retryDelayMs: () => 5, resumeAfterMs: 60_000 };

describe('the HTTP lineage sink', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  it('delivers every event exactly once and in order through an endpoint that fails at first', async () => {
    const endpoint = new Endpoint(7);
    const url = await endpoint.start();
    process.env['AQUIFER_TEST_LINEAGE_KEY'] = 'secret-key';
    const project = await projectSendingTo(url, { apiKeyEnv: 'AQUIFER_TEST_LINEAGE_KEY' });
    const recorder = recordLineage(project, engine, { http: { ...fast, maxAttempts: 20 } });
    try {
      const { table } = await DeltaTable.create(project.tablePath('orders'), { engine, data: { sql: 'SELECT 1::BIGINT AS id' } });
      for (let i = 0; i < 3; i++)
        await withJobRun({ name: `ingest.orders`, type: 'INGEST' }, async () => {
          await table.append({ sql: `SELECT ${i + 2}::BIGINT AS id` });
        });
      await recorder.flush();
    } finally {
      await recorder.close();
      await endpoint.stop();
      delete process.env['AQUIFER_TEST_LINEAGE_KEY'];
    }
    const logged = await LineageLog.forProject(project, engine).texts();
    expect(logged).toHaveLength(8);
    expect(endpoint.requests).toBe(8 + 7);
    // Exactly the logged texts, each once, in the order logged (so per run too).
    expect(endpoint.received.map((r) => r.body)).toEqual(logged);
    expect(new Set(endpoint.received.map((r) => r.authorization))).toEqual(new Set(['Bearer secret-key']));
    expect(new Set(endpoint.received.map((r) => r.path))).toEqual(new Set(['/api/v1/lineage']));
    expect((await readdir(lineageSpoolDir(project))).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('keeps what a down endpoint did not take, and a later recorder sends it first, in order', async () => {
    const port = await closedPort();
    const project = await projectSendingTo(`http://127.0.0.1:${port}`, { endpoint: '/lineage' });
    const first = recordLineage(project, engine, { http: { ...fast, maxAttempts: 3 } });
    for (let i = 0; i < 2; i++) await withJobRun({ name: `job.${i}`, type: 'QUERY', project: project.root }, async () => undefined);
    // Flush gives up once the oldest event failed its attempts; close leaves the spool as it is.
    await first.flush();
    await first.close();
    const spooled = (await readdir(lineageSpoolDir(project))).filter((f) => f.endsWith('.json'));
    expect(spooled).toHaveLength(4);

    const endpoint = new Endpoint(2);
    await endpoint.start(port);
    try {
      const second = recordLineage(project, engine, { http: { ...fast, maxAttempts: 20 } });
      await withJobRun({ name: 'job.2', type: 'QUERY', project: project.root }, async () => undefined);
      await second.close();
    } finally {
      await endpoint.stop();
    }
    const logged = await LineageLog.forProject(project, engine).texts();
    expect(logged).toHaveLength(6);
    expect(endpoint.received.map((r) => r.body)).toEqual(logged);
    expect(endpoint.received.map((r) => r.path)).toEqual(Array(6).fill('/lineage'));
    expect((await readdir(lineageSpoolDir(project))).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('sets aside an event the endpoint refuses (HTTP 4xx) and sends the ones after it', async () => {
    const spoolDir = await tempDir('aquifer-lineage-spool-');
    let calls = 0;
    const received: string[] = [];
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        calls++;
        if (calls === 1) response.writeHead(400).end('bad event');
        else {
          received.push(Buffer.concat(chunks).toString('utf8'));
          response.writeHead(200).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new HttpLineageSink({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spoolDir, ...fast });
    try {
      await sink.enqueue(['{"n":1}', '{"n":2}', '{"n":3}']);
      await sink.flush();
    } finally {
      await sink.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(received).toEqual(['{"n":2}', '{"n":3}']);
    const rejected = await readdir(path.join(spoolDir, 'rejected'));
    expect(rejected).toHaveLength(1);
    expect(await readFile(path.join(spoolDir, 'rejected', rejected[0]!), 'utf8')).toBe('{"n":1}');
    expect(await sink.pending()).toBe(0);
  });

  it('keeps the order of every sink of a process within one millisecond, and loses none of their events', async () => {
    const spoolDir = await tempDir('aquifer-lineage-same-millisecond-');
    // No endpoint answers: the events stay in the spool, where their names give the order they will be sent in.
    const first = new HttpLineageSink({ url: 'http://127.0.0.1:9', spoolDir, ...fast });
    const second = new HttpLineageSink({ url: 'http://127.0.0.1:9', spoolDir, ...fast });
    const now = vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 1));
    try {
      await first.enqueue(['{"n":1}', '{"n":2}', '{"n":3}']);
      await second.enqueue(['{"n":4}', '{"n":5}']);
    } finally {
      now.mockRestore();
      await first.close();
      await second.close();
    }
    const files = (await readdir(spoolDir)).filter((f) => f.endsWith('.json')).sort();
    const texts = await Promise.all(files.map((f) => readFile(path.join(spoolDir, f), 'utf8')));
    expect(texts).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
  });

  it('has one process at a time send from a shared spool, so two never send the same event', async () => {
    const spoolDir = await tempDir('aquifer-lineage-shared-spool-');
    const received: string[] = [];
    // A slow endpoint: without the lock, a second sender lists the first event again while the first sender's post is still out.
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        setTimeout(() => response.writeHead(200).end(), 30);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Two sinks on one folder stand for two processes (a server and a CLI command): the lock is a file in the spool.
    const first = new HttpLineageSink({ url, spoolDir, ...fast });
    const second = new HttpLineageSink({ url, spoolDir, ...fast });
    try {
      await first.enqueue(['{"n":1}', '{"n":2}', '{"n":3}']);
      await second.enqueue(['{"n":4}', '{"n":5}']);
      await Promise.all([first.flush(), second.flush()]);
      // The sender that held the lock drained everything, the other's events too; wait for it if the other asked first.
      for (let waited = 0; (await first.pending()) > 0 && waited < 200; waited++) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await first.close();
      await second.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(received).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}', '{"n":5}']);
  });
});
