/**
 * The HTTP load generator, run as its own process (`node --import tsx http-load.ts CONFIG`)
 * so that it never shares an event loop with the server it measures. `concurrency` clients
 * each send one request at a time over keep-alive connections (a closed loop): warm-up
 * first, then the measured phase. Prints one JSON object (LoadResult) on stdout.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from '../table/measure.js';
import { send } from './http-send.js';

export interface LoadConfig {
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  rowsPerRequest: number;
}

export interface LoadResult {
  /** Measured phase only. */
  requests: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses other than 200 (measured phase). */
  errors: number;
  /** Warm-up and measured phase together, for checking what the server holds. */
  allRequests: number;
  allAccepted: number;
  bodyBytes: number;
  rowBytes: number;
}

const EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase', 'refund'];
const COUNTRIES = ['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL'];

/** NDJSON bodies of about 100 bytes per row, varied so no two requests are the same text. */
function bodies(count: number, rows: number): Buffer[] {
  const out: Buffer[] = [];
  let id = 1_000_000;
  for (let b = 0; b < count; b++) {
    const lines: string[] = [];
    for (let r = 0; r < rows; r++, id++) {
      const ts = new Date(Date.UTC(2024, 0, 1) + id * 1000).toISOString().slice(0, 19) + 'Z';
      lines.push(
        JSON.stringify({
          id,
          user_id: (id * 7919) % 1_000_000,
          type: EVENT_TYPES[id % 5],
          country: COUNTRIES[id % 8],
          amount: ((id * 31) % 100_000) / 100,
          ts,
        }),
      );
    }
    out.push(Buffer.from(lines.join('\n') + '\n'));
  }
  return out;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
  const url = new URL(config.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency });
  const payloads = bodies(64, config.rowsPerRequest);
  const latencies: number[] = [];
  let allRequests = 0;
  let allAccepted = 0;
  let errors = 0;
  let next = 0;
  const warmEnd = performance.now() + config.warmupMs;
  const end = warmEnd + config.durationMs;
  let measuredStart = NaN;
  let measuredEnd = warmEnd;
  const client = async () => {
    for (;;) {
      const start = performance.now();
      if (start >= end) return;
      const { status, text } = await send(agent, url, payloads[next++ % payloads.length] as Buffer);
      const done = performance.now();
      allRequests++;
      if (status === 200) allAccepted += Number((JSON.parse(text) as { accepted?: number }).accepted ?? 0);
      // A request counts in the measured phase when it started there.
      if (start >= warmEnd) {
        if (Number.isNaN(measuredStart)) measuredStart = start;
        measuredEnd = Math.max(measuredEnd, done);
        latencies.push(done - start);
        if (status !== 200) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, client));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const bodyBytes = payloads.reduce((sum, b) => sum + b.length, 0) / payloads.length;
  const result: LoadResult = {
    requests: latencies.length,
    elapsedMs: measuredEnd - warmEnd,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    allRequests,
    allAccepted,
    bodyBytes,
    rowBytes: bodyBytes / config.rowsPerRequest,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
