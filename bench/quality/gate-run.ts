/**
 * The cost of a quality gate on ingest (issue 15): `npm run bench:quality-gate` (both parts),
 * or `npm run bench:quality-gate -- file` / `-- http`. A 10-expectation suite (8 per-row,
 * 2 table-level; gate-data.ts) attached as the table's gate, next to the same ingest without
 * a gate, BENCH_GATE_RUNS times (3) after a warm-up, alternating, each run into a fresh table.
 * Every row passes the suite, so both commit every row: the figure is the price of checking,
 * not of quarantining. Every run is checked (all rows accepted, none quarantined) before the
 * figures are printed.
 * - file: `ingestFiles` of one CSV of BENCH_GATE_ROWS rows (1,000,000).
 * - http: the same rows, BENCH_GATE_HTTP_ROWS of them (1,000,000), POSTed as NDJSON bodies of
 *   BENCH_GATE_HTTP_BATCH records (10,000) by BENCH_GATE_HTTP_CLIENTS concurrent clients (8)
 *   to `POST /v1/ingest/{table}` of the server, into project tables with and without the
 *   suite attached (gate-http.ts); also checked: each table holds every row, and a bad record
 *   sent to a gated table first is quarantined.
 */
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { ingestFiles, IngestTarget } from '../../src/ingest/index.js';
import { rounds, runsFrom } from '../ingest/rounds.js';
import { benchCache, log } from '../table/measure.js';
import { gateReport, ROWS_SQL, SUITE } from './gate-data.js';
import { HTTP_BATCH, HTTP_CLIENTS, HTTP_ROWS, httpGate, PLAIN } from './gate-http.js';

const ROWS = Number(process.env['BENCH_GATE_ROWS'] ?? 1_000_000);
const RUNS = runsFrom('BENCH_GATE_RUNS', 3, 1);
const asked = process.argv.slice(2);
const wants = (part: string) => asked.length === 0 || asked.includes(part);

const engine = await Engine.create();
const work = path.join(benchCache(), 'quality-gate');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
log(
  `Machine: ${os.cpus().length} cores; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

if (wants('file')) {
  const csv = path.join(work, 'events.csv');
  log(`file: writing ${ROWS.toLocaleString('en-US')} rows of CSV`);
  await engine.run(`COPY (${ROWS_SQL(ROWS)}) TO ${quoteLiteral(csv)} (FORMAT csv, HEADER true)`);
  const ingest = (table: string, gated: boolean) => ({
    prepare: () => rm(table, { recursive: true, force: true }),
    run: async () => {
      const target = await IngestTarget.open(table, { engine, createIfMissing: {}, ...(gated ? { gate: { suite: SUITE } } : {}) });
      return ingestFiles(engine, target, { files: csv });
    },
  });
  const times = await rounds(
    { 'ingestFiles, no gate': ingest(path.join(work, 'plain'), false), 'ingestFiles, 10-expectation gate': ingest(path.join(work, 'gated'), true) },
    RUNS,
  );
  for (const [name, { results }] of Object.entries(times)) {
    if (results.some((r) => r.accepted !== ROWS || r.quarantined !== 0))
      throw new Error(`${name}: ${JSON.stringify(results.map((r) => [r.accepted, r.quarantined]))}`);
  }
  console.log(gateReport(`Gate cost: file ingest of ${ROWS.toLocaleString('en-US')} rows (CSV), median of ${RUNS}`, ROWS, times, 'ingestFiles, no gate'));
}

if (wants('http')) {
  const times = await httpGate(engine, work, RUNS);
  console.log(
    gateReport(
      `Gate cost: HTTP ingest of ${HTTP_ROWS.toLocaleString('en-US')} rows (NDJSON, ${HTTP_BATCH.toLocaleString('en-US')} per request, ${HTTP_CLIENTS} clients), median of ${RUNS}`,
      HTTP_ROWS,
      times,
      PLAIN,
    ),
  );
}
engine.close();
