import os from 'node:os';
import { Engine } from '../../src/engine/index.js';
import { fileBench, FILE_RUNS, type FileFigures } from './file-bench.js';
import { httpBench, HTTP_RUNS, type HttpFigures } from './http-bench.js';

// `tsx bench/ingest/run.ts [files] [http]`: both when none is named.
const asked = process.argv.slice(2);
const wants = (name: string) => asked.length === 0 || asked.includes(name);

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ms = (value: number) => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');
const range = ([low, high]: [number, number]) => `${(low / 1000).toFixed(2)} – ${(high / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function fileReport(f: FileFigures): string {
  return [
    `Files: one CSV of ${count(f.rows)} rows, ${f.columns} columns (${mib(f.csvBytes)}), into a fresh table; median of ${FILE_RUNS} runs after one warm-up`,
    '',
    table(
      ['contender', 'time (median)', 'fastest – slowest run', 'rows/s', 'MiB/s of CSV', 'Parquet written', 'raw / Aquifer'],
      [
        [
          'Aquifer `ingestFiles`',
          seconds(f.aquiferMs),
          range(f.spread.aquifer),
          count(f.rows / (f.aquiferMs / 1000)),
          (f.csvBytes / 2 ** 20 / (f.aquiferMs / 1000)).toFixed(0),
          mib(f.aquiferBytes),
          (f.rawMs / f.aquiferMs).toFixed(2),
        ],
        [
          'raw DuckDB `COPY (SELECT * FROM read_csv(file)) TO x.parquet`',
          seconds(f.rawMs),
          range(f.spread.raw),
          count(f.rows / (f.rawMs / 1000)),
          (f.csvBytes / 2 ** 20 / (f.rawMs / 1000)).toFixed(0),
          mib(f.rawBytes),
          '1.00',
        ],
        [
          'raw DuckDB, the same COPY into a folder with `FILE_SIZE_BYTES` 128 MiB',
          seconds(f.rawFolderMs),
          range(f.spread.rawFolder),
          count(f.rows / (f.rawFolderMs / 1000)),
          (f.csvBytes / 2 ** 20 / (f.rawFolderMs / 1000)).toFixed(0),
          '',
          '',
        ],
      ],
    ),
    '',
    `Raw COPY into a folder / Aquifer: ${(f.rawFolderMs / f.aquiferMs).toFixed(2)}`,
  ].join('\n');
}

function httpReport(f: HttpFigures): string {
  const row = (name: string, c: HttpFigures['raw']) => [
    name,
    count(c.requestsPerSecond),
    `${count(c.spread[0])} – ${count(c.spread[1])}`,
    count(c.requestsPerSecond * f.rowsPerRequest),
    ms(c.p50Ms),
    ms(c.p99Ms),
  ];
  return [
    `HTTP: ${f.concurrency} concurrent keep-alive clients, NDJSON bodies of ${f.rowsPerRequest} rows (${f.rowBytes.toFixed(0)} bytes per row), ${f.seconds} s per run; median of ${HTTP_RUNS} runs after one warm-up round`,
    '',
    table(
      ['server', 'requests/s (median)', 'slowest – fastest run', 'rows/s', 'p50 latency', 'p99 latency'],
      [row('Aquifer `startServer`, POST /v1/ingest/t', f.aquifer), row('raw node:http, read + JSON.parse each line', f.raw)],
    ),
    '',
    `Aquifer / raw requests/s: ${(f.aquifer.requestsPerSecond / f.raw.requestsPerSecond).toFixed(3)}; requests per Delta commit (group commit): ${f.requestsPerCommit.toFixed(1)}`,
  ].join('\n');
}

const engine = await Engine.create();
try {
  const duckdb = String((await engine.query('SELECT version() AS v'))[0]?.['v']);
  const load = () =>
    os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  console.log(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; DuckDB ${duckdb}; load average at start ${load()}\n`,
  );
  if (wants('files')) console.log(fileReport(await fileBench(engine)) + '\n');
  if (wants('http')) console.log(httpReport(await httpBench(engine)) + '\n');
  console.log(`Load average at the end: ${load()}`);
} finally {
  engine.close();
}
