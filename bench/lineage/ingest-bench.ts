import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { quoteLiteral, type Engine } from '../../src/engine/index.js';
import { ingestFiles, IngestTarget } from '../../src/ingest/index.js';
import { LineageLog, recordLineage, type OpenLineageRunEvent } from '../../src/lineage/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { track } from '../child-process.js';
import { rowsSql } from '../ingest/file-bench.js';
import { send } from '../ingest/http-send.js';
import { rounds } from '../ingest/rounds.js';
import { benchCache, log, median } from '../table/measure.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Overhead {
  /** Median of each side, and the ratio on/off (time for files, throughput for HTTP). */
  on: number;
  off: number;
  ratio: number;
  spread: { on: [number, number]; off: [number, number] };
}

export interface FileOverhead extends Overhead {
  files: number;
  rowsPerFile: number;
  calls: number;
  runsLogged: number;
}

export interface HttpOverhead extends Overhead {
  requests: number;
  clients: number;
  recordsPerRequest: number;
  runsLogged: number;
}

const spreadOf = (samples: readonly number[]): [number, number] => [Math.min(...samples), Math.max(...samples)];

/** Each run of the log holds exactly one START and one COMPLETE; returns how many runs. */
function checkRuns(events: readonly OpenLineageRunEvent[]): number {
  const states = new Map<string, string[]>();
  for (const e of events) states.set(e.run.runId, [...(states.get(e.run.runId) ?? []), e.eventType]);
  for (const [id, seen] of states)
    if (seen.length !== 2 || seen[0] !== 'START' || seen[1] !== 'COMPLETE') throw new Error(`run ${id} was logged as ${seen.join(', ')}`);
  return states.size;
}

async function projectWithLineage(root: string, enabled: boolean): Promise<Project> {
  await rm(root, { recursive: true, force: true });
  await Project.init(root, 'shop');
  const file = path.join(root, CONFIG_FILE);
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...config, lineage: { enabled } }, null, 2));
  return Project.open(root);
}

/** The CSV files, generated once and reused. */
async function ensureFiles(engine: Engine, files: number, rows: number): Promise<string[]> {
  const dir = path.join(benchCache(), `lineage-files-${files}x${rows}`);
  const marker = path.join(dir, '.complete');
  const names = Array.from({ length: files }, (_, i) => path.join(dir, `part-${String(i).padStart(4, '0')}.csv`));
  if ((await readFile(marker, 'utf8').catch(() => '')) === 'v1') return names;
  log(`writing ${files} CSV files of ${rows} rows to ${dir}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [i, name] of names.entries())
    await engine.run(`COPY (SELECT * REPLACE (event_id + ${i * rows} AS event_id) FROM (${rowsSql(rows)})) TO ${quoteLiteral(name)} (FORMAT csv, HEADER true)`);
  await writeFile(marker, 'v1');
  return names;
}

/**
 * ingestFiles into a fresh project's table, `files` files in calls of `perCall`, with the
 * project's lineage recorded against not: recording includes the last flush, so the runs are
 * in the lineage log when the timed work ends.
 */
export async function fileOverhead(engine: Engine, files: number, rowsPerFile: number, perCall: number, runs: number): Promise<FileOverhead> {
  const names = await ensureFiles(engine, files, rowsPerFile);
  const root = path.join(benchCache(), 'lineage-ingest-project');
  const calls = Math.ceil(files / perCall);
  const load = async (project: Project) => {
    const target = await IngestTarget.open(project.tablePath('events'), { engine, createIfMissing: {}, project: project.root, stores: project.stores });
    let accepted = 0;
    for (let i = 0; i < files; i += perCall) {
      const result = await ingestFiles(engine, target, { files: names.slice(i, i + perCall) });
      if (result.quarantined !== 0) throw new Error(`${result.quarantined} rows were quarantined`);
      accepted += result.accepted;
    }
    return accepted;
  };
  const logged: number[] = [];
  // Every run is checked (untimed, before the next one of its side replaces its project): its rows, and with lineage its runs.
  const check = async (p: Project, lineage: boolean) => {
    const rows = await (await (await DeltaTable.open(p.tablePath('events'), { engine })).scan()).count();
    if (rows !== files * rowsPerFile) throw new Error(`the table holds ${rows} rows, not ${files * rowsPerFile}`);
    const events = await LineageLog.forProject(p, engine).events();
    if (!lineage && events.length > 0) throw new Error('lineage off logged events');
    if (lineage) {
      const runsLogged = checkRuns(events);
      if (runsLogged !== calls || events.some((e) => e.job.name !== 'ingest.events')) throw new Error(`${runsLogged} runs logged for ${calls} calls`);
      logged.push(runsLogged);
    }
  };
  const current: Partial<Record<'on' | 'off', Project>> = {};
  const fresh = async (side: 'on' | 'off') => {
    const last = current[side];
    if (last !== undefined) await check(last, side === 'on');
    current[side] = await projectWithLineage(`${root}-${side}`, side === 'on');
  };
  log(`files: ${files} files of ${rowsPerFile} rows in ${calls} calls, lineage on vs off, ${runs} runs after a warm-up`);
  const times = await rounds<number>(
    {
      off: { prepare: () => fresh('off'), run: () => load(current.off as Project) },
      on: {
        prepare: () => fresh('on'),
        run: async () => {
          const p = current.on as Project;
          const recorder = recordLineage(p, engine);
          try {
            return await load(p);
          } finally {
            await recorder.close();
          }
        },
      },
    },
    runs,
  );
  for (const side of ['off', 'on'] as const) {
    await check(current[side] as Project, side === 'on');
    await rm(`${root}-${side}`, { recursive: true, force: true });
  }
  for (const name of ['off', 'on']) log(`files: lineage ${name} ${(times[name]?.samples ?? []).map((ms) => (ms / 1000).toFixed(2)).join(' ')} s`);
  if ([...(times['off']?.results ?? []), ...(times['on']?.results ?? [])].some((n) => n !== files * rowsPerFile))
    throw new Error('a run did not accept every row');
  const on = times['on']?.ms ?? NaN;
  const off = times['off']?.ms ?? NaN;
  return {
    files,
    rowsPerFile,
    calls,
    runsLogged: logged[0] ?? 0,
    on,
    off,
    ratio: on / off,
    spread: { on: spreadOf(times['on']?.samples ?? []), off: spreadOf(times['off']?.samples ?? []) },
  };
}

/** `aquifer serve` on a free port in a child process; resolves with its URL and a stop that waits for its exit (lineage flushed). */
async function serve(root: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'serve', '--project', root, '--port', '0', '--anonymous', 'loopback'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, AQUIFER_LOG_LEVEL: process.env['AQUIFER_LOG_LEVEL'] ?? 'warn' },
    },
  );
  track(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = / at (http:\/\/\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`aquifer serve exited with ${code} before serving`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** NDJSON bodies of `rows` records, ids running on from `first`. */
function body(first: number, rows: number): Buffer {
  const lines: string[] = [];
  for (let id = first; id < first + rows; id++)
    lines.push(JSON.stringify({ id, user_id: (id * 7919) % 1_000_000, type: ['view', 'click', 'purchase'][id % 3], amount: ((id * 31) % 100_000) / 100 }));
  return Buffer.from(lines.join('\n') + '\n');
}

/** `requests` POSTs from `clients` concurrent keep-alive clients; resolves with requests per second. */
async function post(url: string, requests: number, clients: number, rows: number): Promise<{ rate: number; accepted: number }> {
  const target = new URL(`${url}/v1/ingest/events`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const bodies = Array.from({ length: requests }, (_, i) => body(i * rows, rows));
  let next = 0;
  let accepted = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        const { status, text } = await send(agent, target, bodies[next++] as Buffer);
        if (status !== 200) throw new Error(`POST answered ${status}: ${text}`);
        accepted += Number((JSON.parse(text) as { accepted?: number }).accepted ?? 0);
      }
    }),
  );
  const ms = performance.now() - start;
  agent.destroy();
  return { rate: (requests / ms) * 1000, accepted };
}

/**
 * POST /v1/ingest/events to `aquifer serve` (a child process, a fresh project each run) with
 * the project's `lineage.enabled` true against false, rounds alternating. The server is
 * stopped after each run, which flushes its lineage, and the table and log are checked.
 */
export async function httpOverhead(engine: Engine, requests: number, clients: number, runs: number): Promise<HttpOverhead> {
  const rows = 100;
  const root = path.join(benchCache(), 'lineage-http-project');
  const rates: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const logged: number[] = [];
  log(`http: ${requests} requests of ${rows} records from ${clients} clients, lineage on vs off, ${runs} runs after a warm-up`);
  for (let round = -1; round < runs; round++) {
    const order: ('on' | 'off')[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const side of order) {
      const project = await projectWithLineage(root, side === 'on');
      const server = await serve(project.root);
      let result: { rate: number; accepted: number };
      try {
        result = await post(server.url, requests, clients, rows);
      } finally {
        await server.stop();
      }
      const count = await (await (await DeltaTable.open(project.tablePath('events'), { engine })).scan()).count();
      if (result.accepted !== requests * rows || count !== requests * rows)
        throw new Error(`${side}: ${result.accepted} accepted, ${count} in the table, ${requests * rows} sent`);
      const events = await LineageLog.forProject(await Project.open(root), engine).events();
      if (side === 'off' && events.length > 0) throw new Error('lineage off logged events');
      if (side === 'on') {
        const runsLogged = checkRuns(events);
        if (runsLogged === 0) throw new Error('lineage on logged no run');
        logged.push(runsLogged);
      }
      if (round >= 0) rates[side].push(result.rate);
    }
  }
  await rm(root, { recursive: true, force: true });
  for (const side of ['off', 'on'] as const) log(`http: lineage ${side} ${rates[side].map((r) => r.toFixed(0)).join(' ')} requests/s`);
  const on = median(rates.on);
  const off = median(rates.off);
  return {
    requests,
    clients,
    recordsPerRequest: rows,
    runsLogged: median(logged),
    on,
    off,
    ratio: on / off,
    spread: { on: spreadOf(rates.on), off: spreadOf(rates.off) },
  };
}
