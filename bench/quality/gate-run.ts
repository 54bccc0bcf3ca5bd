/**
 * The cost of a quality gate on file ingest (issue 15): `npm run bench:quality-gate`.
 * `ingestFiles` of one CSV of BENCH_GATE_ROWS rows (1,000,000) into a fresh table, with a
 * 10-expectation suite attached as the table's gate (8 per-row, 2 table-level), next to the
 * same without a gate, BENCH_GATE_RUNS times (3) after a warm-up, alternating. Every row
 * passes the suite, so both commit every row: the figure is the price of checking, not of
 * quarantining. Both results are checked (rows accepted, none quarantined) before the figures
 * are printed.
 */
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { ingestFiles, IngestTarget } from '../../src/ingest/index.js';
import type { ExpectationSuite } from '../../src/quality/index.js';
import { rounds, runsFrom } from '../ingest/rounds.js';
import { benchCache, log } from '../table/measure.js';

const ROWS = Number(process.env['BENCH_GATE_ROWS'] ?? 1_000_000);
const RUNS = runsFrom('BENCH_GATE_RUNS', 3, 1);

const SUITE: ExpectationSuite = {
  name: 'events_gate',
  action: 'block',
  expectations: [
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'event_id' } },
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } },
    { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'event_type', value_set: ['view', 'click', 'add_to_cart', 'purchase', 'refund'] } },
    { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'country', value_set: ['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL'] } },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 1000 } },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'quantity', min_value: 1, max_value: 5 } },
    { type: 'expect_column_value_lengths_to_equal', kwargs: { column: 'session_id', value: 16 } },
    { type: 'expect_column_values_to_match_regex', kwargs: { column: 'user_agent', regex: '^Mozilla/5\\.0 \\(' } },
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } },
    { type: 'expect_column_mean_to_be_between', kwargs: { column: 'amount', min_value: 400, max_value: 600 } },
  ],
};

const ROWS_SQL = (rows: number): string => `SELECT i AS event_id,
    CAST(hash(i) % 1000000 AS BIGINT) AS user_id,
    (['view', 'click', 'add_to_cart', 'purchase', 'refund'])[1 + CAST(i % 5 AS INTEGER)] AS event_type,
    (['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL'])[1 + CAST(hash(i * 3) % 8 AS INTEGER)] AS country,
    CAST(hash(i * 7) % 100000 AS DOUBLE) / 100 AS amount,
    CAST(1 + hash(i * 11) % 5 AS INTEGER) AS quantity,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i * 3) AS ts,
    substr(md5(i::VARCHAR), 1, 16) AS session_id,
    'Mozilla/5.0 (' || (['Windows NT 10.0', 'Macintosh', 'X11; Linux x86_64', 'iPhone'])[1 + CAST(hash(i * 17) % 4 AS INTEGER)] || ')' AS user_agent
  FROM range(${rows}) AS t(i)`;

const engine = await Engine.create();
const work = path.join(benchCache(), 'quality-gate');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const csv = path.join(work, 'events.csv');
log(
  `Machine: ${os.cpus().length} cores; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; writing ${ROWS.toLocaleString('en-US')} rows of CSV`,
);
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
const plain = times['ingestFiles, no gate']?.ms ?? NaN;
console.log(`\n### Gate cost: file ingest of ${ROWS.toLocaleString('en-US')} rows (CSV), median of ${RUNS}\n`);
console.log('| contender | time | rows/s | of the ungated speed | runs (s) |\n| --- | --- | --- | --- | --- |');
for (const [name, { ms, samples }] of Object.entries(times)) {
  console.log(
    `| ${name} | ${(ms / 1000).toFixed(2)} s | ${Math.round(ROWS / (ms / 1000)).toLocaleString('en-US')} | ${(plain / ms).toFixed(2)}× | ${samples.map((s) => (s / 1000).toFixed(2)).join(' / ')} |`,
  );
}
engine.close();
