import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { startServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache, log, median } from '../table/measure.js';
import type { LoadConfig, LoadResult } from './http-load.js';
import { runsFrom } from './rounds.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const CONCURRENCY = Number(process.env['BENCH_HTTP_CLIENTS'] ?? 16);
export const ROWS_PER_REQUEST = 100;
/** Timed runs per server (BENCH_HTTP_RUNS; at least 3), each after its own warm-up. */
export const HTTP_RUNS = runsFrom('BENCH_HTTP_RUNS', 5);
export const HTTP_SECONDS = Number(process.env['BENCH_HTTP_SECONDS'] ?? 5);
const WARMUP_MS = 1000;

export interface HttpCase {
  requestsPerSecond: number;
  /** Slowest and fastest run, in requests/s. */
  spread: [number, number];
  p50Ms: number;
  p99Ms: number;
}

export interface HttpFigures {
  concurrency: number;
  rowsPerRequest: number;
  rowBytes: number;
  seconds: number;
  aquifer: HttpCase;
  raw: HttpCase;
  /** Aquifer: requests per Delta commit (group commit), median over the runs. */
  requestsPerCommit: number;
}

/** The reference: a node:http server whose handler only reads the body and JSON-parses each line. */
function startRawServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let accepted = 0;
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        JSON.parse(line);
        accepted++;
      }
      const body = JSON.stringify({ accepted });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

/** Run the load generator in its own process against `url`. */
function load(url: string): Promise<LoadResult> {
  const config: LoadConfig = { url, concurrency: CONCURRENCY, warmupMs: WARMUP_MS, durationMs: HTTP_SECONDS * 1000, rowsPerRequest: ROWS_PER_REQUEST };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'http-load.ts'), JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with ${code}`));
      else resolve(JSON.parse(out) as LoadResult);
    });
  });
}

const rate = (r: LoadResult) => (r.requests / r.elapsedMs) * 1000;
const figures = (results: readonly LoadResult[]): HttpCase => ({
  requestsPerSecond: median(results.map(rate)),
  spread: [Math.min(...results.map(rate)), Math.max(...results.map(rate))],
  p50Ms: median(results.map((r) => r.p50Ms)),
  p99Ms: median(results.map((r) => r.p99Ms)),
});

/**
 * POST /v1/ingest/{table} through startServer against the raw server, the same client
 * for both, alternating within each round. Each Aquifer run writes a fresh table.
 */
export async function httpBench(engine: Engine): Promise<HttpFigures> {
  const root = path.join(benchCache(), 'ingest-http-project');
  await rm(root, { recursive: true, force: true });
  const project = await Project.init(root);
  const aquifer = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
  const raw = await startRawServer();
  const aquiferResults: LoadResult[] = [];
  const rawResults: LoadResult[] = [];
  const perCommit: number[] = [];
  try {
    log(`http: ${CONCURRENCY} clients, ${ROWS_PER_REQUEST} rows per request, ${HTTP_SECONDS} s per run, ${HTTP_RUNS} runs after a warm-up round`);
    for (let round = -1; round < HTTP_RUNS; round++) {
      const rawResult = await load(raw.url);
      const table = `events_${round + 1}`;
      const aquiferResult = await load(`${aquifer.url}/v1/ingest/${table}`);
      for (const result of [rawResult, aquiferResult]) {
        if (result.errors > 0 || result.allAccepted !== result.allRequests * ROWS_PER_REQUEST)
          throw new Error(`a run did not land every row: ${JSON.stringify(result)}`);
      }
      // Every row the server acknowledged is in the table, once.
      const location = project.tablePath(table);
      const snapshot = await (await DeltaTable.open(location, { engine })).snapshot();
      const rows = await (await (await DeltaTable.open(location, { engine })).scan()).count();
      if (rows !== aquiferResult.allAccepted) throw new Error(`${table} holds ${rows} rows, the server acknowledged ${aquiferResult.allAccepted}`);
      if (round >= 0) {
        rawResults.push(rawResult);
        aquiferResults.push(aquiferResult);
        // Version 0 created the table; each later version is one group commit.
        perCommit.push(aquiferResult.allRequests / Math.max(1, snapshot.version));
      }
      log(`http round ${round + 1}: raw ${rawResult.requests} requests, aquifer ${aquiferResult.requests} requests in ${snapshot.version} commits`);
    }
  } finally {
    await aquifer.close();
    await raw.close();
    await rm(root, { recursive: true, force: true });
  }
  return {
    concurrency: CONCURRENCY,
    rowsPerRequest: ROWS_PER_REQUEST,
    rowBytes: aquiferResults[0]?.rowBytes ?? NaN,
    seconds: HTTP_SECONDS,
    aquifer: figures(aquiferResults),
    raw: figures(rawResults),
    requestsPerCommit: median(perCommit),
  };
}
