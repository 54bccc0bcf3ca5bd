import os from 'node:os';
import { Engine } from '../../src/engine/index.js';
import { RUNS } from './measure.js';
import { scanBench, SELECTIVE, type ScanFigures } from './scan-bench.js';
import { snapshotBench, type SnapshotFigures } from './snapshot-bench.js';

// `tsx bench/table/run.ts [scan] [snapshot]`: both when none is named.
const asked = process.argv.slice(2);
const wants = (name: string) => asked.length === 0 || asked.includes(name);

const ms = (value: number) => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
const ratio = (theirs: number, ours: number) => (theirs / ours).toFixed(2);

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function scanReport(f: ScanFigures): string {
  const row = (name: string, c: ScanFigures['full']) => [
    name,
    `${c.filesOpened} / ${c.totalFiles}`,
    c.rows.toLocaleString('en-US'),
    ms(c.aquiferMs),
    ms(c.planMs),
    ms(c.queryMs),
    ms(c.rawMs),
    ratio(c.rawMs, c.aquiferMs),
  ];
  return [
    `Scan: ${f.rows.toLocaleString('en-US')} rows in ${f.files} files (${(f.bytes / 2 ** 20).toFixed(0)} MiB), count(*) + sum(amount)`,
    '',
    table(
      ['query', 'files opened', 'rows matched', 'Aquifer', 'plan (in Aquifer)', 'query (in Aquifer)', 'raw read_parquet', 'raw / Aquifer'],
      [row('full scan', f.full), row(`\`${SELECTIVE}\``, f.selective)],
    ),
  ].join('\n');
}

function snapshotReport(f: SnapshotFigures): string {
  const row = (name: string, c: SnapshotFigures['json']) => [
    name,
    `v${c.version}`,
    String(c.files),
    ms(c.aquiferMs),
    ms(c.aquiferFreshEngineMs),
    ms(c.deltaRsMs),
    ratio(c.deltaRsMs, c.aquiferMs),
  ];
  return [
    `Snapshot load: ${f.commits.toLocaleString('en-US')} commits, one add each`,
    '',
    table(
      ['log', 'version', 'live files', 'Aquifer', 'Aquifer, fresh engine', 'delta-rs', 'delta-rs / Aquifer'],
      [row('checkpoint at the last version', f.checkpoint), row('JSON commits only', f.json)],
    ),
  ].join('\n');
}

const engine = await Engine.create();
try {
  const duckdb = String((await engine.query('SELECT version() AS v'))[0]?.['v']);
  console.log(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; DuckDB ${duckdb}; median of ${RUNS} runs after one warm-up\n`,
  );
  if (wants('scan')) console.log(scanReport(await scanBench(engine)) + '\n');
  if (wants('snapshot')) console.log(snapshotReport(await snapshotBench(engine)) + '\n');
} finally {
  engine.close();
}
