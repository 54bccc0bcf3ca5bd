/**
 * The MLflow tracking API (issue 16): `npm run bench:models-tracking`. The MLflow Python client
 * (the models venv, AQUIFER_MODELS_PYTHON) logs BENCH_TRACKING_RUNS runs (40), each with 3
 * params, 3 metrics, 3 stepped loss points and a tag, as a training script would, against
 * Aquifer's server (SQLite metadata, the embedded default) and against a real `mlflow server`
 * (3.17.2, its SQLite backend, one worker), BENCH_TRACKING_ROUNDS times (3) after a warm-up,
 * alternating, each round into a fresh experiment. Both must read back the same runs, params,
 * metrics and loss histories before a figure is printed. The client is synchronous, so runs/s
 * is mostly each server's per-request latency.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore } from '../../src/server/index.js';
import { freePort } from '../features/processes.js';
import { benchCache, log, median } from '../table/measure.js';

const run = promisify(execFile);
const PYTHON = process.env['AQUIFER_MODELS_PYTHON'];
if (PYTHON === undefined) throw new Error('Set AQUIFER_MODELS_PYTHON to the models venv (bash scripts/python-env.sh models)');
const RUNS = Number(process.env['BENCH_TRACKING_RUNS'] ?? 40);
const ROUNDS = Math.max(1, Number(process.env['BENCH_TRACKING_ROUNDS'] ?? 3));
const SCRIPT = path.join(import.meta.dirname, 'mlflow_tracking_bench.py');

interface Logged {
  seconds: number;
  runs: number;
  summary: unknown;
}

async function logRuns(uri: string, token: string | undefined, experiment: string): Promise<Logged> {
  const { stdout } = await run(PYTHON as string, [SCRIPT, experiment, String(RUNS)], {
    env: { ...process.env, MLFLOW_TRACKING_URI: uri, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ...(token === undefined ? {} : { MLFLOW_TRACKING_TOKEN: token }) },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Logged;
}

const work = path.join(benchCache(), 'models-tracking');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
log(
  `Machine: ${os.cpus().length} cores; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

// Aquifer: the server as `aquifer serve` runs it, with a writer token.
const engine = await Engine.create();
const project = await Project.init(path.join(work, 'project'));
const { token } = await TokenStore.forProject(project).create({ role: 'writer', name: 'bench' });
const aquifer = await startServer({ project, engine, port: 0 });

// MLflow: `mlflow server` with its SQLite backend and the artifact proxy, one worker (2 cores).
const mlflowPort = await freePort();
const mlflowBin = path.join(path.dirname(PYTHON), 'mlflow');
const mlflow = spawn(
  mlflowBin,
  [
    'server',
    '--backend-store-uri',
    `sqlite:///${path.join(work, 'mlflow.db')}`,
    '--artifacts-destination',
    path.join(work, 'mlartifacts'),
    '--host',
    '127.0.0.1',
    '--port',
    String(mlflowPort),
    '--workers',
    '1',
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
let mlflowErr = '';
mlflow.stderr.on('data', (chunk: Buffer) => (mlflowErr = (mlflowErr + chunk.toString()).slice(-4000)));
const mlflowUri = `http://127.0.0.1:${mlflowPort}`;
const deadline = Date.now() + 180_000;
for (;;) {
  try {
    if ((await fetch(`${mlflowUri}/health`)).ok) break;
  } catch {
    // not up yet
  }
  if (Date.now() > deadline || mlflow.exitCode !== null) throw new Error(`mlflow server did not start:\n${mlflowErr}`);
  await new Promise((r) => setTimeout(r, 500));
}

try {
  const contenders: Record<string, (experiment: string) => Promise<Logged>> = {
    'Aquifer (SQLite)': (e) => logRuns(aquifer.url, token, e),
    'mlflow server 3.17.2 (SQLite)': (e) => logRuns(mlflowUri, undefined, e),
  };
  const seconds = new Map<string, number[]>(Object.keys(contenders).map((n) => [n, []]));
  for (let round = -1; round < ROUNDS; round++) {
    const names = Object.keys(contenders);
    const shift = Math.max(0, round) % names.length;
    const logged: Record<string, Logged> = {};
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      logged[name] = await (contenders[name] as (e: string) => Promise<Logged>)(`bench-${round + 1}`);
      if (round >= 0) seconds.get(name)?.push(logged[name].seconds);
    }
    const [a, b] = Object.values(logged) as [Logged, Logged];
    if (a.runs !== RUNS || JSON.stringify(a.summary) !== JSON.stringify(b.summary)) {
      throw new Error(`the servers read back different runs:\n${JSON.stringify(a.summary).slice(0, 2000)}\n${JSON.stringify(b.summary).slice(0, 2000)}`);
    }
  }
  log(`\n${RUNS} runs per round (3 params, 3 metrics, 3 stepped points, 1 tag each), median of ${ROUNDS}; read back identical on both`);
  const rates = Object.fromEntries([...seconds].map(([name, s]) => [name, RUNS / median(s)]));
  const ours = rates['Aquifer (SQLite)'] as number;
  for (const [name, rate] of Object.entries(rates)) {
    log(`${name.padEnd(32)} ${median(seconds.get(name) ?? []).toFixed(2)} s  ${rate.toFixed(1)} runs/s  Aquifer ${(ours / rate).toFixed(2)}×`);
  }
} finally {
  mlflow.kill('SIGTERM');
  await aquifer.close();
  project.close();
  engine.close();
}
