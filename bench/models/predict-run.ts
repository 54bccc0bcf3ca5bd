/**
 * Online prediction (issue 16): `npm run bench:models-predict`. A 10-feature model (a logistic
 * regression as an ONNX graph, trained by `train()` on a saved training set) over
 * BENCH_PREDICT_ENTITIES users (100,000) whose features are materialized in LMDB. Closed-loop
 * load from BENCH_PREDICT_CLIENTS keep-alive clients (8), BENCH_PREDICT_SECONDS (4) per run
 * after a 1 s warm-up, 1 and 100 entities per request (BENCH_PREDICT_SHAPES), BENCH_PREDICT_RUNS (3) alternating runs:
 * - raw: node:http + one LMDB getMany + one onnxruntime-node run, no token, no log (the limit);
 * - Aquifer, the prediction log written after the response (the default);
 * - Aquifer, each response after its log commit (`predictionLog: before-response`).
 * Then latency at the same offered load: an open loop (serve-load.ts: requests due at a fixed
 * rate, latency from when each was due) at BENCH_PREDICT_RATE requests/s, by default half the
 * lower of the raw and default-mode throughputs just measured, so neither server is saturated
 * and the p99 shows what the request path and the log's background work add, not queueing.
 * `before-response` is left out there: its throughput is far below that rate.
 * Each server is its own process, and so is the load generator. Before any timing, the raw
 * server and Aquifer must answer the same labels and probabilities (within 1e-6) for the same
 * entities. After the load, every answered row must be in the prediction log (the log keeps
 * up), and the time the last flush took is printed.
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/index.js';
import { predictionsTable } from '../../src/models/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { TokenStore } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runJson } from '../child-process.js';
import { startTsServer, type Service } from '../features/processes.js';
import { entityIds, predictBody, type ServeLoadConfig, type ServeLoadResult } from '../features/serve-load.js';
import { benchCache, log, median } from '../table/measure.js';
import { MODEL, predictProject } from './predict-data.js';

const ENTITIES = Number(process.env['BENCH_PREDICT_ENTITIES'] ?? 100_000);
const CLIENTS = Number(process.env['BENCH_PREDICT_CLIENTS'] ?? 8);
const SECONDS = Number(process.env['BENCH_PREDICT_SECONDS'] ?? 4);
const RUNS = Math.max(1, Number(process.env['BENCH_PREDICT_RUNS'] ?? 3));
/** Entities per request (BENCH_PREDICT_SHAPES, comma-separated: 1,100). */
const SHAPES = (process.env['BENCH_PREDICT_SHAPES'] ?? '1,100').split(',').map(Number);
/** The open loop's rate (requests/s); by default half the lower saturated throughput of raw and the default mode. */
const RATE = process.env['BENCH_PREDICT_RATE'] === undefined ? undefined : Number(process.env['BENCH_PREDICT_RATE']);
const here = import.meta.dirname;

type Contender = 'raw' | 'after' | 'before';
const NAMES: Record<Contender, string> = {
  raw: 'raw: node:http + LMDB + onnxruntime, no log',
  after: 'Aquifer, log after the response',
  before: 'Aquifer, response after its log commit',
};

log(
  `Machine: ${os.cpus().length} cores; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const root = path.join(benchCache(), 'models-predict', 'project');
log(`Setting up ${ENTITIES.toLocaleString('en-US')} users × 10 features, materialized, and a trained model in ${root}`);
const project = await predictProject(root, ENTITIES);
const opened = await Project.open(root);
const { token } = await TokenStore.forProject(opened).create({ role: 'reader', name: 'bench' });
opened.close();

async function withMode(mode: 'after-response' | 'before-response'): Promise<Service> {
  const file = path.join(root, CONFIG_FILE);
  const config = JSON.parse(await readFile(file, 'utf8'));
  await writeFile(file, JSON.stringify({ ...config, server: { ...config.server, predictionLog: mode } }));
  return startTsServer(path.join('..', 'models', 'predict-server.ts'), { root });
}

const servers: Record<Contender, Service> = {
  raw: await startTsServer(path.join('..', 'models', 'predict-raw-server.ts'), { root, onnxFile: project.onnxFile }),
  after: await withMode('after-response'),
  before: await withMode('before-response'),
};
const routes: Record<Contender, string> = {
  raw: `${servers.raw.url}/predict`,
  after: `${servers.after.url}/v1/models/${MODEL}@champion/predict`,
  before: `${servers.before.url}/v1/models/${MODEL}@champion/predict`,
};
const headers: Record<Contender, Record<string, string>> = {
  raw: {},
  after: { authorization: `Bearer ${token}` },
  before: { authorization: `Bearer ${token}` },
};
let loggedRows = 0;

try {
  // The same answers first.
  for (const ids of entityIds(5, 100, ENTITIES, 777)) {
    const answers = await Promise.all(
      (Object.keys(routes) as Contender[]).map(async (c) => {
        const response = await fetch(routes[c], { method: 'POST', headers: { 'content-type': 'application/json', ...headers[c] }, body: predictBody(ids) });
        if (response.status !== 200) throw new Error(`${c} answered ${response.status}: ${await response.text()}`);
        return (await response.json()) as { outputs: { label: number[][]; probability: number[][] } };
      }),
    );
    const [raw, ...ours] = answers as [(typeof answers)[0], ...typeof answers];
    for (const answer of ours) {
      answer.outputs.probability.forEach((p, i) => {
        if (Math.abs((p[0] ?? NaN) - (raw.outputs.probability[i]?.[0] ?? NaN)) > 1e-6 || answer.outputs.label[i]?.[0] !== raw.outputs.label[i]?.[0])
          throw new Error(`the servers disagree on entity ${ids[i]}: ${JSON.stringify([p, raw.outputs.probability[i]])}`);
      });
      loggedRows += ids.length;
    }
  }
  log('The raw server and both Aquifer modes answered the same labels and probabilities for 500 entities.');

  const figures = new Map<string, ServeLoadResult[]>();
  const load = async (contender: Contender, shape: number, ratePerSecond?: number): Promise<ServeLoadResult> => {
    const config: ServeLoadConfig = {
      url: routes[contender],
      concurrency: CLIENTS,
      warmupMs: 1000,
      durationMs: SECONDS * 1000,
      entitiesPerRequest: shape,
      entityCount: ENTITIES,
      features: [],
      bodies: 1000,
      shape: 'predict',
      headers: headers[contender],
      ...(ratePerSecond === undefined ? {} : { ratePerSecond }),
    };
    const result = await runJson<ServeLoadResult>(process.execPath, [
      '--import',
      'tsx',
      path.join(here, '..', 'features', 'serve-load.ts'),
      JSON.stringify(config),
    ]);
    if (result.errors > 0) throw new Error(`${contender} answered ${result.errors} errors`);
    if (contender !== 'raw') loggedRows += result.answered * shape;
    return result;
  };
  // A server's CPU time (user + system, all threads) from /proc, in ms: per request, it does not
  // depend on what else the machine runs, as latency does.
  const cpuMs = (pid: number): number => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  };
  // Every server idle (at most one 10 ms tick of CPU in half a second, waiting up to a minute): an open-loop run
  // starts after the log commits and compactions the closed-loop runs before it left behind (the
  // other Aquifer server's included), so its tail is made by its own load.
  const quiet = async (): Promise<void> => {
    const pids = Object.values(servers).map((s) => s.pid);
    const total = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
    for (let waited = 0; waited < 60_000; waited += 500) {
      const before = total();
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (total() - before <= 10) return;
    }
    log('the servers were still busy after a minute; measuring anyway');
  };
  const cpuPerRequest = new Map<string, number[]>();
  const rotate = <T>(list: T[], by: number): T[] => list.slice(by % list.length).concat(list.slice(0, by % list.length));
  for (let run = 0; run < RUNS; run++) {
    for (const shape of SHAPES) {
      for (const contender of rotate<Contender>(['raw', 'after', 'before'], run)) {
        const key = `${contender}:${shape}`;
        figures.set(key, [...(figures.get(key) ?? []), await load(contender, shape)]);
      }
    }
  }
  const throughput = (key: string) => median((figures.get(key) ?? []).map((r) => r.requests / (r.elapsedMs / 1000)));
  const rates = new Map(
    SHAPES.map((shape) => [shape, RATE ?? Math.max(1, Math.round(Math.min(throughput(`raw:${shape}`), throughput(`after:${shape}`)) / 2))]),
  );
  const open = new Map<string, ServeLoadResult[]>();
  for (let run = 0; run < RUNS; run++) {
    for (const shape of SHAPES) {
      for (const contender of rotate<Contender>(['raw', 'after'], run)) {
        const key = `${contender}:${shape}`;
        await quiet();
        const cpuBefore = cpuMs(servers[contender].pid);
        const result = await load(contender, shape, rates.get(shape));
        // The load process's warm-up is in the CPU time too, so it is per answered request, warm-up included.
        cpuPerRequest.set(key, [...(cpuPerRequest.get(key) ?? []), ((cpuMs(servers[contender].pid) - cpuBefore) * 1000) / result.answered]);
        open.set(key, [...(open.get(key) ?? []), result]);
      }
    }
  }
  log(`\n${CLIENTS} clients, ${SECONDS} s per run, median of ${RUNS} runs`);
  for (const shape of SHAPES) {
    const rawP99 = median((figures.get(`raw:${shape}`) ?? []).map((r) => r.p99Ms));
    log(`\n${shape} ${shape === 1 ? 'entity' : 'entities'} per request, closed loop (throughput; p99 is mostly queueing at saturation)`);
    for (const contender of ['raw', 'after', 'before'] as Contender[]) {
      const runs = figures.get(`${contender}:${shape}`) ?? [];
      const p50 = median(runs.map((r) => r.p50Ms));
      const p99 = median(runs.map((r) => r.p99Ms));
      log(
        `  ${NAMES[contender].padEnd(44)} ${throughput(`${contender}:${shape}`).toFixed(0).padStart(6)} req/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  (p99 ${(p99 / rawP99).toFixed(2)}× raw)`,
      );
    }
    const openRawP99 = median((open.get(`raw:${shape}`) ?? []).map((r) => r.p99Ms));
    log(`  open loop at ${rates.get(shape)} req/s offered (latency from when each request was due):`);
    for (const contender of ['raw', 'after'] as Contender[]) {
      const runs = open.get(`${contender}:${shape}`) ?? [];
      const p50 = median(runs.map((r) => r.p50Ms));
      const p99 = median(runs.map((r) => r.p99Ms));
      const served = median(runs.map((r) => r.requests / (r.elapsedMs / 1000)));
      const cpu = median(cpuPerRequest.get(`${contender}:${shape}`) ?? []);
      log(
        `  ${NAMES[contender].padEnd(44)} ${served.toFixed(0).padStart(6)} req/s  p50 ${p50.toFixed(2)} ms  p99 ${p99.toFixed(2)} ms  (p99 ${(p99 / openRawP99).toFixed(2)}× raw)  server CPU ${cpu.toFixed(0)} µs/request`,
      );
    }
  }
  await servers.after.stop();
  await servers.before.stop();

  const engine = await Engine.create();
  const table = await DeltaTable.open(path.join(root, 'tables', predictionsTable(MODEL)), { engine });
  const inLog = await (await table.scan()).count();
  engine.close();
  // Nothing answered may be missing; a row logged whose answer never reached the client as a 200 (a warm-up
  // request past its deadline in before-response mode, say) is an extra row, said, not a loss.
  if (inLog < loggedRows) throw new Error(`the prediction log holds ${inLog} rows; ${loggedRows} were answered`);
  log(
    `\nThe prediction log holds every one of the ${loggedRows.toLocaleString('en-US')} rows answered (both modes, warm-ups included)${inLog > loggedRows ? `, and ${inLog - loggedRows} logged whose answer the client did not count as a 200` : ''}.`,
  );
} finally {
  for (const server of Object.values(servers)) await server.stop();
}
