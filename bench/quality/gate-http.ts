/**
 * The HTTP part of the gate benchmark (gate-run.ts): the same rows as the file part, as
 * NDJSON bodies of BENCH_GATE_HTTP_BATCH records (10,000) POSTed once each by
 * BENCH_GATE_HTTP_CLIENTS concurrent keep-alive clients (8) in their own process, to
 * `POST /v1/ingest/{table}` of `startServer` (in process, loopback without a token, as the
 * ingest HTTP benchmark runs it). Each run writes a fresh project table: `gated_<n>` have the
 * suite attached in aquifer.json (as `aquifer quality attach` does), `plain_<n>` do not.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quoteLiteral, type Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { setGate, writeSuite } from '../../src/quality/index.js';
import { startServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { send } from '../ingest/http-send.js';
import { rounds } from '../ingest/rounds.js';
import { log } from '../table/measure.js';
import { ROWS_SQL, SUITE } from './gate-data.js';
import type { ClientsConfig, ClientsMessage, ClientsResult } from './gate-http-clients.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const HTTP_ROWS = Number(process.env['BENCH_GATE_HTTP_ROWS'] ?? 1_000_000);
export const HTTP_BATCH = Number(process.env['BENCH_GATE_HTTP_BATCH'] ?? 10_000);
// A gated table commits one request at a time (its table-level expectations judge each request
// alone): 8 clients keep that queue full without holding 16 bodies of 2.5 MB in the server.
export const HTTP_CLIENTS = Number(process.env['BENCH_GATE_HTTP_CLIENTS'] ?? 8);
export const PLAIN = 'POST /v1/ingest, no gate';
const GATED = 'POST /v1/ingest, 10-expectation gate';

interface Clients {
  post(url: string): Promise<ClientsResult>;
  stop(): void;
}

/** Fork the clients and wait until they hold their bodies, so no run pays for reading the file. */
function startClients(config: ClientsConfig): Promise<Clients> {
  const child: ChildProcess = fork(path.join(here, 'gate-http-clients.ts'), [JSON.stringify(config)], { execArgv: ['--import', 'tsx'] });
  let waiting: { resolve: (r: ClientsResult) => void; reject: (e: Error) => void } | undefined;
  return new Promise((ready, failed) => {
    child.once('error', failed);
    child.once('exit', (code) => {
      const error = new Error(`the HTTP clients exited with ${code}`);
      waiting?.reject(error);
      failed(error);
    });
    child.on('message', (message: ClientsMessage) => {
      if ('ready' in message) {
        log(
          `http: ${message.ready.requests} requests of up to ${config.rowsPerRequest.toLocaleString('en-US')} rows, ${(message.ready.bytes / 2 ** 20).toFixed(0)} MiB of NDJSON`,
        );
        ready({
          post: (url) => new Promise((resolve, reject) => ((waiting = { resolve, reject }), child.send({ url }))),
          stop: () => child.disconnect(),
        });
      } else if ('result' in message) waiting?.resolve(message.result);
      else waiting?.reject(new Error(`the HTTP clients failed: ${message.failed}`));
    });
  });
}

/** The rows in a table, read back: every row the server acknowledged must be there, once. */
async function rowsIn(engine: Engine, location: string): Promise<number> {
  return (await (await DeltaTable.open(location, { engine })).scan()).count();
}

/**
 * One good and one bad record into a gated table: the bad one must be quarantined, or the
 * gated figures could be of a table the gate never reached (both commit every row of the bench).
 */
async function proveGateApplies(url: string): Promise<void> {
  const good = {
    event_id: -1,
    user_id: 1,
    event_type: 'view',
    country: 'NL',
    amount: 500,
    quantity: 1,
    ts: '2024-01-01 00:00:00',
    session_id: 'a'.repeat(16),
    user_agent: 'Mozilla/5.0 (X11)',
  };
  const body = Buffer.from(`${JSON.stringify(good)}\n${JSON.stringify({ ...good, event_type: 'bogus' })}\n`);
  const agent = new http.Agent();
  const { status, text } = await send(agent, new URL(url), body);
  agent.destroy();
  const answer = JSON.parse(text) as { accepted?: number; quarantined?: number };
  if (status !== 200 || answer.accepted !== 1 || answer.quarantined !== 1) throw new Error(`the gate did not quarantine a bad record: ${status} ${text}`);
}

/** Both contenders, `runs` times after a warm-up, alternating; every run checked before anything is returned. */
export async function httpGate(engine: Engine, work: string, runs: number): Promise<Record<string, { ms: number; samples: number[] }>> {
  const ndjson = path.join(work, 'events.ndjson');
  log(`http: writing ${HTTP_ROWS.toLocaleString('en-US')} rows of NDJSON`);
  await engine.run(`COPY (${ROWS_SQL(HTTP_ROWS)}) TO ${quoteLiteral(ndjson)} (FORMAT json)`);
  const root = path.join(work, 'http-project');
  await rm(root, { recursive: true, force: true });
  const initial = await Project.init(root);
  await writeSuite(initial, SUITE);
  // The warm-up round writes tables too; gated_probe is for proveGateApplies.
  for (const n of [...Array.from({ length: runs + 1 }, (_, i) => String(i)), 'probe']) await setGate(initial, `gated_${n}`, SUITE.name);
  // A Project keeps the gates it was opened with: the server gets one opened after attaching.
  const project = await Project.open(root);
  const server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
  const clients = await startClients({ file: ndjson, rowsPerRequest: HTTP_BATCH, concurrency: HTTP_CLIENTS });
  try {
    await proveGateApplies(`${server.url}/v1/ingest/gated_probe`);
    log(`http: ${HTTP_CLIENTS} clients, ${runs} runs after a warm-up round`);
    const contender = (prefix: string) => {
      let n = 0;
      return {
        run: async () => {
          const table = `${prefix}_${n++}`;
          return { table, ...(await clients.post(`${server.url}/v1/ingest/${table}`)) };
        },
      };
    };
    const times = await rounds({ [PLAIN]: contender('plain'), [GATED]: contender('gated') }, runs);
    for (const [name, { results }] of Object.entries(times)) {
      for (const r of results) {
        const rows = await rowsIn(engine, project.tablePath(r.table));
        if (r.errors.length > 0 || r.accepted !== HTTP_ROWS || r.quarantined !== 0 || rows !== HTTP_ROWS) {
          throw new Error(
            `${name}, ${r.table}: accepted ${r.accepted}, quarantined ${r.quarantined}, ${rows} rows in the table, errors ${JSON.stringify(r.errors)}`,
          );
        }
      }
    }
    return times;
  } finally {
    clients.stop();
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
