/**
 * Data quality (issue 15): `npm run bench:quality`. Validates BENCH_QUALITY_ROWS rows
 * (10,000,000) against the 20-expectation suite in bench/quality/suite.json with
 *   - Aquifer `validate()` on a Delta table (result_format SUMMARY),
 *   - Great Expectations 1.x on pandas, as its users run it (read the Parquet, validate),
 *   - raw DuckDB: the same checks as one hand-written query (bench/quality/raw-checks.ts), the limit,
 * each in a process of its own, BENCH_QUALITY_RUNS times (3) after an untimed round whose
 * results must agree (Aquifer against GE expectation by expectation: success, unexpected
 * count, observed value; the raw query's counts and statistics against Aquifer's). Then, with
 * BENCH_QUALITY_BIG_ROWS (100,000,000; 0 skips), Aquifer's time and peak RSS on the bigger table,
 * under DuckDB's memory_limit BENCH_QUALITY_BIG_MEMORY (500MB) and under its default.
 * Prints time, peak RSS and ratios; docs/benchmarks.md keeps the figures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runJson } from '../child-process.js';
import { benchCache, log, median } from '../table/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const ROWS = Number(process.env['BENCH_QUALITY_ROWS'] ?? 10_000_000);
const BIG_ROWS = Number(process.env['BENCH_QUALITY_BIG_ROWS'] ?? 100_000_000);
/** DuckDB's memory_limit for the big run (AQUIFER_MEMORY_LIMIT in the CLI), under which it spills. */
const BIG_MEMORY_LIMIT = process.env['BENCH_QUALITY_BIG_MEMORY'] ?? '500MB';
const RUNS = Math.max(1, Number(process.env['BENCH_QUALITY_RUNS'] ?? 3));
const SUITE = path.join(here, 'suite.json');

interface Measured {
  ms: number;
  peakRss: number;
  read_ms?: number;
  validate_ms?: number;
  results?: { type: string; kwargs: Record<string, unknown>; success: boolean; unexpected_count: unknown; observed_value: unknown }[];
  raw?: Record<string, unknown>;
}

/** The rows: planted defects at fixed strides, so every contender finds the same ones. */
const DATA_SQL = (rows: number): string => `
SELECT i AS id,
  CASE WHEN i % 1000 = 7 THEN NULL ELSE i % 400000 END AS user_id,
  (hash(i) % 100000) / 100.0 AS price,
  (hash(i * 7 + 1) % 50000) / 100.0 AS cost,
  CASE i % 4 WHEN 0 THEN 'a' WHEN 1 THEN 'b' WHEN 2 THEN 'c' ELSE CASE WHEN i % 1000 = 3 THEN 'd' ELSE 'a' END END AS category,
  CASE WHEN i % 10000 = 9 THEN 'bad-' || i ELSE 'u' || (i % 9973) || '@example.com' END AS email,
  'n' || (i % 100000) AS name,
  (i % 10)::INTEGER AS qty
FROM range(${rows}) t(i)`;

async function dataset(rows: number): Promise<{ parquet: string; table: string }> {
  const dir = path.join(benchCache(), `quality-${rows}`);
  const parquet = path.join(dir, 'data.parquet');
  const table = path.join(dir, 'table');
  if (existsSync(path.join(table, '_delta_log'))) return { parquet, table };
  await mkdir(dir, { recursive: true });
  log(`writing ${rows.toLocaleString('en-US')} rows`);
  const engine = await Engine.create();
  await engine.run(`COPY (${DATA_SQL(rows)}) TO '${parquet}' (FORMAT parquet, COMPRESSION snappy)`);
  await DeltaTable.create(table, { engine, data: { files: parquet } });
  engine.close();
  return { parquet, table };
}

function run(command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Measured> {
  return runJson<Measured>(command, args, { env: { GX_ANALYTICS_ENABLED: 'false', ...env } });
}

const python = (): string =>
  execFileSync('bash', [path.join(repo, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .at(-1) as string;
const child = (part: string, args: string[], env: Record<string, string> = {}): Promise<Measured> =>
  run(process.execPath, ['--import', 'tsx', path.join(here, 'child.ts'), part, ...args], env);

function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => close(v, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a).sort();
    return (
      JSON.stringify(keys) === JSON.stringify(Object.keys(b).sort()) &&
      keys.every((k) => close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

/** Aquifer's results against GE's (matched by type and kwargs) and against the raw query; throws on any difference. */
function assertAgree(aquifer: Measured, ge: Measured, raw: Measured): void {
  const key = (r: { type: string; kwargs: Record<string, unknown> }): string =>
    `${r.type} ${JSON.stringify(Object.fromEntries(Object.entries(r.kwargs).sort()))}`;
  const theirs = new Map((ge.results ?? []).map((r) => [key(r), r]));
  for (const ours of aquifer.results ?? []) {
    const other = theirs.get(key(ours));
    if (other === undefined) throw new Error(`GE has no result for ${key(ours)}`);
    for (const field of ['success', 'unexpected_count', 'observed_value'] as const) {
      if (!close(ours[field], other[field]))
        throw new Error(`${key(ours)}: ${field} ${JSON.stringify(ours[field])} (Aquifer) vs ${JSON.stringify(other[field])} (GE)`);
    }
  }
  const r = raw.raw ?? {};
  const counts = (aquifer.results ?? []).map((x) => x.unexpected_count);
  const observed = (aquifer.results ?? []).map((x) => x.observed_value);
  const expected: [string, unknown, unknown][] = [
    ['id_nulls', r['id_nulls'], counts[0]],
    ['id_duplicates', r['id_duplicates'], counts[1]],
    ['user_id_nulls', r['user_id_nulls'], counts[2]],
    ['price_out_of_range', r['price_out_of_range'], counts[3]],
    ['category_not_in_set', r['category_not_in_set'], counts[4]],
    ['email_not_matching', r['email_not_matching'], counts[5]],
    ['name_length_out_of_range', r['name_length_out_of_range'], counts[6]],
    ['price_mean', r['price_mean'], observed[7]],
    ['price_median', r['price_median'], observed[8]],
    ['price_stdev', r['price_stdev'], observed[9]],
    ['qty_min', r['qty_min'], observed[10]],
    ['qty_max', r['qty_max'], observed[11]],
    ['qty_sum', r['qty_sum'], observed[12]],
    ['category_distinct', r['category_distinct'], observed[14]],
    ['price_not_above_cost', r['price_not_above_cost'], counts[19]],
  ];
  for (const [name, rawValue, ours] of expected)
    if (!close(rawValue, ours)) throw new Error(`raw ${name} ${JSON.stringify(rawValue)} vs Aquifer ${JSON.stringify(ours)}`);
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const secs = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);

log(
  `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const { parquet, table } = await dataset(ROWS);
const py = python();
const contenders: Record<string, () => Promise<Measured>> = {
  'Aquifer validate()': () => child('aquifer', [table, SUITE]),
  'GE 1.x on pandas (read + validate)': () => run(py, [path.join(here, 'ge_bench.py'), parquet, SUITE]),
  'raw DuckDB, one hand-written query': () => child('raw', [table]),
};
const names = Object.keys(contenders);
const runs = new Map<string, Measured[]>(names.map((n) => [n, []]));
for (let round = -1; round < RUNS; round++) {
  const got: Measured[] = [];
  for (const name of [...names.slice(Math.max(0, round) % names.length), ...names.slice(0, Math.max(0, round) % names.length)]) {
    const result = await (contenders[name] as () => Promise<Measured>)();
    log(`${round < 0 ? 'agreement round' : `round ${round + 1} of ${RUNS}`}: ${name} ${secs(result.ms)}, peak RSS ${mib(result.peakRss)}`);
    got[names.indexOf(name)] = result;
    if (round >= 0) runs.get(name)?.push(result);
  }
  assertAgree(got[0] as Measured, got[1] as Measured, got[2] as Measured);
}
const medianOf = (name: string, pick: (m: Measured) => number): number => median((runs.get(name) ?? []).map(pick));
const aquiferMs = medianOf(names[0] as string, (m) => m.ms);
console.log(`\n### Validate: ${ROWS.toLocaleString('en-US')} rows × 20 expectations (result_format SUMMARY), median of ${RUNS}\n`);
console.log('| contender | time | peak RSS | Aquifer is | runs (s) |\n| --- | --- | --- | --- | --- |');
for (const name of names) {
  const ms = medianOf(name, (m) => m.ms);
  const extra = name.startsWith('GE')
    ? ` (read ${secs(medianOf(name, (m) => m.read_ms ?? 0))}, validate ${secs(medianOf(name, (m) => m.validate_ms ?? 0))})`
    : '';
  const ratio = name === names[0] ? '' : `${(ms / aquiferMs).toFixed(2)}×`;
  console.log(
    `| ${name} | ${secs(ms)}${extra} | ${mib(medianOf(name, (m) => m.peakRss))} | ${ratio} | ${(runs.get(name) ?? []).map((m) => (m.ms / 1000).toFixed(2)).join(' / ')} |`,
  );
}
if (BIG_ROWS > 0) {
  const big = await dataset(BIG_ROWS);
  console.log(`\nAquifer validate() on ${BIG_ROWS.toLocaleString('en-US')} rows:`);
  // DuckDB's default memory_limit is 80% of RAM, which it uses when it helps; under a limit it spills to disk.
  for (const limit of [BIG_MEMORY_LIMIT, undefined]) {
    const result = await child('aquifer', [big.table, SUITE], limit === undefined ? {} : { BENCH_QUALITY_MEMORY: limit });
    console.log(`- ${limit === undefined ? "DuckDB's default memory_limit" : `memory_limit ${limit}`}: ${secs(result.ms)}, peak RSS ${mib(result.peakRss)}`);
  }
}
