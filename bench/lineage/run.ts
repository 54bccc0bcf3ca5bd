/**
 * `npm run bench:lineage`: what recording lineage costs and how fast its questions are answered.
 * 1. Ingest with lineage recorded against not: file ingest (time) and HTTP ingest (throughput).
 * 2. `upstream(model)` over a synthetic history: end to end from the lineage log, and the query alone.
 * 3. Recording N run events durably: Aquifer's lineage log, openlineage-python's FileTransport, raw appends.
 * Sizes: BENCH_LINEAGE_FILES, _ROWS, _PER_CALL, _REQUESTS, _CLIENTS, _COMMITS, _SOURCE_FILES, _EVENTS, _RUNS;
 * BENCH_LINEAGE_PARTS=files,http,query,record picks parts.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/index.js';
import { fileOverhead, httpOverhead, type FileOverhead, type HttpOverhead } from './ingest-bench.js';
import { queryBench, type QueryFigures } from './query-bench.js';
import { recordBench, type RecordFigures } from './record-bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const size = (name: string, fallback: number) => Math.max(1, Number(process.env[`BENCH_LINEAGE_${name}`] ?? fallback));
const RUNS = Math.max(3, size('RUNS', 5));
const FILES = size('FILES', 100);
const ROWS = size('ROWS', 5000);
const PER_CALL = size('PER_CALL', 5);
const REQUESTS = size('REQUESTS', 1000);
const CLIENTS = size('CLIENTS', 4);
const COMMITS = size('COMMITS', 10_000);
const SOURCE_FILES = size('SOURCE_FILES', 1000);
const EVENTS = size('EVENTS', 10_000);
const parts = new Set((process.env['BENCH_LINEAGE_PARTS'] ?? 'files,http,query,record').split(','));

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const range = ([a, b]: [number, number], f: (v: number) => string) => `${f(a)}–${f(b)}`;
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function python(): string {
  const set = process.env['AQUIFER_PYTHON'];
  if (set !== undefined && set !== '') return set;
  const repo = path.resolve(here, '..', '..');
  return execFileSync('bash', [path.join(repo, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .at(-1) as string;
}

function overheadReport(files: FileOverhead | undefined, http: HttpOverhead | undefined): string {
  const rows: string[][] = [];
  if (files !== undefined)
    rows.push([
      `file ingest: ${files.files} CSV × ${files.rowsPerFile.toLocaleString('en-US')} rows in ${files.calls} calls (time, flush included)`,
      ms(files.off),
      ms(files.on),
      `${files.ratio.toFixed(3)} (${(Math.abs(files.ratio - 1) * 100).toFixed(1)}% ${files.ratio >= 1 ? 'slower' : 'faster'})`,
      `off ${range(files.spread.off, ms)}, on ${range(files.spread.on, ms)}`,
      `${files.runsLogged} runs`,
    ]);
  if (http !== undefined) {
    const rps = (v: number) => `${v.toFixed(0)} req/s`;
    rows.push([
      `HTTP ingest: ${http.requests} POSTs × ${http.recordsPerRequest} records, ${http.clients} clients (throughput)`,
      rps(http.off),
      rps(http.on),
      `${http.ratio.toFixed(3)} (${(Math.abs(1 - http.ratio) * 100).toFixed(1)}% ${http.ratio <= 1 ? 'fewer' : 'more'} req/s)`,
      `off ${range(http.spread.off, rps)}, on ${range(http.spread.on, rps)}`,
      `${http.runsLogged} runs`,
    ]);
  }
  return ['### Ingest with lineage on vs off (goal: ≤ 5% cost)', '', table(['work', 'lineage off', 'lineage on', 'on / off', 'spread', 'logged'], rows)].join(
    '\n',
  );
}

function queryReport(q: QueryFigures): string {
  return [
    `### upstream(model) over ${q.commits.toLocaleString('en-US')} table commits and ${q.files.toLocaleString('en-US')} source files (goal: < 100 ms)`,
    '',
    `${q.events.toLocaleString('en-US')} run events (${(q.logBytes / 2 ** 20).toFixed(1)} MiB of JSON) in the lineage log; the answer holds ${q.nodes.toLocaleString('en-US')} nodes, ${q.fileNodes} of them files.`,
    '',
    table(
      ['measure', 'median', 'spread'],
      [
        ['end to end, as a CLI call did it without the snapshot: read the log + build the graph + query', ms(q.endToEnd.ms), range(q.endToEnd.spread, ms)],
        ["  of which reading the log's graph column (Delta scan + JSON.parse)", ms(q.endToEnd.readMs), ''],
        ['  of which building the graph', ms(q.endToEnd.buildMs), ''],
        [
          `end to end from a fresh process with the snapshot: load it + extend it by the log's commits after it (${q.fromSnapshot.behind[0]}–${q.fromSnapshot.behind[1]}) + query`,
          ms(q.fromSnapshot.ms),
          range(q.fromSnapshot.spread, ms),
        ],
        [
          `  loading the snapshot alone, timed apart (${(q.fromSnapshot.bytes / 2 ** 20).toFixed(1)} MiB: read, checksum, decode)`,
          ms(q.fromSnapshot.loadMs),
          '',
        ],
        ['writing the snapshot (after the answer, when due; not in the row above)', ms(q.fromSnapshot.writeMs), ''],
        ['a server request: its kept graph extended by the run logged since the last, + query', ms(q.server.ms), range(q.server.spread, ms)],
        ['the query alone, on a built graph', ms(q.queryMs), range(q.querySpread, ms)],
      ],
    ),
  ].join('\n');
}

function recordReport(r: RecordFigures): string {
  const row = (name: string, key: keyof RecordFigures['ms']) => [
    name,
    ms(r.ms[key]),
    `${((r.events / r.ms[key]) * 1000).toFixed(0)}`,
    range(r.spread[key], ms),
    key === 'aquifer' ? '1.00' : (r.ms[key] / r.ms.aquifer).toFixed(2),
  ];
  return [
    `### Recording ${r.events.toLocaleString('en-US')} run events (${r.eventBytes.toFixed(0)} bytes of JSON each)`,
    '',
    table(
      ['contender', 'time', 'events/s', 'spread', 'time / Aquifer'],
      [
        row(`Aquifer: LineageLog.append, one Delta commit per ${r.batch}`, 'aquifer'),
        row('openlineage-python 1.54: client.emit, FileTransport (append)', 'openlineage'),
        row(`raw: node fs.appendFile of the JSON lines, one write per ${r.batch}`, 'raw'),
      ],
    ),
  ].join('\n');
}

const engine = await Engine.create();
try {
  const duckdb = String((await engine.query('SELECT version() AS v'))[0]?.['v']);
  console.log(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; Node ${process.version}; DuckDB ${duckdb}; median of ${RUNS} runs after one warm-up\n`,
  );
  const files = parts.has('files') ? await fileOverhead(engine, FILES, ROWS, PER_CALL, RUNS) : undefined;
  const http = parts.has('http') ? await httpOverhead(engine, REQUESTS, CLIENTS, RUNS) : undefined;
  if (files !== undefined || http !== undefined) console.log(overheadReport(files, http) + '\n');
  if (parts.has('query')) console.log(queryReport(await queryBench(engine, COMMITS, SOURCE_FILES, RUNS)) + '\n');
  if (parts.has('record')) console.log(recordReport(await recordBench(engine, EVENTS, RUNS, python())) + '\n');
} finally {
  engine.close();
}
