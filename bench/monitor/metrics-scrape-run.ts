/**
 * What Prometheus's scrapes cost a serving server (issue 18): `npm run bench:metrics-scrape`.
 * The prediction benchmark's project (bench/models/predict-data.ts: 100,000 users × 10
 * features in LMDB, a 10-feature ONNX model, BENCH_SCRAPE_ENTITIES to change) served by
 * Aquifer with its prediction log; an open loop of 1-entity predictions at BENCH_SCRAPE_RATE
 * requests/s (1,000) for BENCH_SCRAPE_SECONDS (6) per run, BENCH_SCRAPE_RUNS (3) alternating runs:
 * - without scrapes;
 * - with a scraper fetching `GET /metrics` (a reader token) every BENCH_SCRAPE_INTERVAL_MS (100:
 *   150 times Prometheus's default rate, so the cost shows) in the same process as the load.
 * Reported: the predictions' p50/p99 both ways, each scrape's latency, the exposition's size
 * and series count, and the server's CPU per scrape (the difference in server CPU between the
 * two runs, over the scrapes made). The limit beside it is the same server without scrapes. A
 * first run, not counted, warms the server up (JIT, the prediction log's table made).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Project } from '../../src/project/index.js';
import { TokenStore } from '../../src/server/index.js';
import { runJson } from '../child-process.js';
import { startTsServer } from '../features/processes.js';
import type { ServeLoadConfig, ServeLoadResult } from '../features/serve-load.js';
import { MODEL, predictProject } from '../models/predict-data.js';
import { benchCache, log, median, percentile } from '../table/measure.js';

const ENTITIES = Number(process.env['BENCH_SCRAPE_ENTITIES'] ?? 100_000);
const RATE = Number(process.env['BENCH_SCRAPE_RATE'] ?? 1000);
const SECONDS = Number(process.env['BENCH_SCRAPE_SECONDS'] ?? 6);
const RUNS = Math.max(1, Number(process.env['BENCH_SCRAPE_RUNS'] ?? 3));
const INTERVAL_MS = Number(process.env['BENCH_SCRAPE_INTERVAL_MS'] ?? 100);
const here = import.meta.dirname;

log(
  `Machine: ${os.cpus().length} cores; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const root = path.join(benchCache(), 'metrics-scrape', 'project');
log(`Setting up ${ENTITIES.toLocaleString('en-US')} users × 10 features and a trained model in ${root}`);
await predictProject(root, ENTITIES);
const opened = await Project.open(root);
const { token } = await TokenStore.forProject(opened).create({ role: 'reader', name: 'bench' });
opened.close();
const server = await startTsServer(path.join('..', 'models', 'predict-server.ts'), { root });
const authorization = { authorization: `Bearer ${token}` };

const cpuMs = (): number => {
  const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};

interface Scrapes {
  latencies: number[];
  bytes: number;
  series: number;
}

/** Scrapes every INTERVAL_MS until stopped; each scrape must answer 200 with the request counter in it. */
function scraper(): { stop: () => Promise<Scrapes> } {
  const scrapes: Scrapes = { latencies: [], bytes: 0, series: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${server.url}/metrics`, { headers: authorization });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('aquifer_http_requests_total'))
        throw new Error(`a scrape answered ${response.status}: ${text.slice(0, 200)}`);
      scrapes.latencies.push(performance.now() - started);
      scrapes.bytes = Buffer.byteLength(text);
      scrapes.series = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, INTERVAL_MS - (performance.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return scrapes;
    },
  };
}

const load = (): Promise<ServeLoadResult> => {
  const config: ServeLoadConfig = {
    url: `${server.url}/v1/models/${MODEL}@champion/predict`,
    concurrency: 8,
    warmupMs: 1000,
    durationMs: SECONDS * 1000,
    entitiesPerRequest: 1,
    entityCount: ENTITIES,
    features: [],
    bodies: 1000,
    shape: 'predict',
    headers: authorization,
    ratePerSecond: RATE,
  };
  return runJson<ServeLoadResult>(process.execPath, ['--import', 'tsx', path.join(here, '..', 'features', 'serve-load.ts'), JSON.stringify(config)]);
};

try {
  const plain: { result: ServeLoadResult; cpu: number }[] = [];
  const scraped: { result: ServeLoadResult; cpu: number; scrapes: Scrapes }[] = [];
  await load();
  for (let run = 0; run < RUNS; run++) {
    for (const withScrapes of run % 2 === 0 ? [false, true] : [true, false]) {
      const before = cpuMs();
      const scraping = withScrapes ? scraper() : undefined;
      const result = await load();
      const scrapes = await scraping?.stop();
      const cpu = cpuMs() - before;
      if (result.errors > 0) throw new Error(`the server answered ${result.errors} errors`);
      if (scrapes === undefined) plain.push({ result, cpu });
      else scraped.push({ result, cpu, scrapes });
    }
  }
  const latencies = scraped.flatMap((s) => s.scrapes.latencies).sort((a, b) => a - b);
  const scrapeCount = scraped.reduce((sum, s) => sum + s.scrapes.latencies.length, 0);
  const cpuPerScrape = ((median(scraped.map((s) => s.cpu)) - median(plain.map((p) => p.cpu))) / (scrapeCount / RUNS)) * 1000;
  const last = scraped[scraped.length - 1]?.scrapes;
  log(`\n1-entity predictions, open loop at ${RATE} req/s, ${SECONDS} s per run, median of ${RUNS} runs`);
  for (const [name, runs] of [
    ['without scrapes', plain],
    [`with a scrape every ${INTERVAL_MS} ms`, scraped],
  ] as const) {
    log(
      `  ${name.padEnd(30)} p50 ${median(runs.map((r) => r.result.p50Ms)).toFixed(2)} ms  p99 ${median(runs.map((r) => r.result.p99Ms)).toFixed(2)} ms  server CPU ${median(runs.map((r) => r.cpu)).toFixed(0)} ms per run`,
    );
  }
  log(
    `  scrapes: ${scrapeCount} (${last?.series ?? 0} series, ${((last?.bytes ?? 0) / 1024).toFixed(1)} KiB each); latency p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms; server CPU ≈ ${cpuPerScrape.toFixed(0)} µs per scrape`,
  );
} finally {
  await server.stop();
}
