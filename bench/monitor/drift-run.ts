/**
 * Drift (issue 18): `npm run bench:drift`. A drift report over 12 columns (6 float, 2
 * high-cardinality integer, 2 low-cardinality text, a 0/1 flag, a small integer; planted
 * shifts in some: bench/monitor/drift-data.ts) at BENCH_DRIFT_SIZES rows per side
 * (100000,1000000,10000000), each contender in a process of its own:
 *   - Aquifer `driftReport` over `fileRelation` on the two Parquet files (the library call),
 *   - Aquifer `driftReport` over `tableRelation` on two Delta tables holding the same rows,
 *   - the CLI, `aquifer monitor drift --reference-file … --current-file … --format json`
 *     (node dist/cli/main.js under /usr/bin/time: process start included),
 *   - Evidently 0.7 DataDriftPreset on `pd.read_parquet` of the same files, as its users run it
 *     (bench/monitor/drift_evidently.py), BENCH_DRIFT_EVIDENTLY_TIMEOUT minutes at most (15) and
 *     stopped past BENCH_DRIFT_EVIDENTLY_MAX_RSS GiB resident (12): where it fails, the error is shown.
 * BENCH_DRIFT_RUNS rounds per size (default 3 up to 100,000 rows, 1 above), the same for every
 * contender, in rotating order. Up to 100,000 rows an untimed round comes first; above, the one
 * timed round is also the checked one. Either way every contender's report must agree with
 * Evidently's where Evidently completes (method and threshold per column, value within 1e-9
 * relative, drifted set, dataset verdict) and Aquifer's three with each other, before any figure
 * is printed. Peak RSS is VmHWM for the children, /usr/bin/time's maximum resident set for the CLI.
 * Then, at the largest size, the library call once more under DuckDB's memory_limit
 * BENCH_DRIFT_MEMORY (300MB, the goal's setting; empty skips), spilling to disk, checked against the run without it.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJson, track } from '../child-process.js';
import { log, median } from '../table/measure.js';
import { driftData, driftDataDir, type DriftData } from './drift-data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const SIZES = (process.env['BENCH_DRIFT_SIZES'] ?? '100000,1000000,10000000').split(',').map((s) => Number(s.trim()));
const RUNS_SET = process.env['BENCH_DRIFT_RUNS'];
const runsAt = (rows: number): number => Math.max(1, RUNS_SET === undefined ? (rows <= 100_000 ? 3 : 1) : Number(RUNS_SET));
const EVIDENTLY_TIMEOUT_MS = Number(process.env['BENCH_DRIFT_EVIDENTLY_TIMEOUT'] ?? 15) * 60_000;
const EVIDENTLY_MAX_RSS = process.env['BENCH_DRIFT_EVIDENTLY_MAX_RSS'] ?? '12';
const CLI = path.join(repo, 'dist', 'cli', 'main.js');
/** DuckDB's memory_limit for one more library run at the largest size (AQUIFER_MEMORY_LIMIT in the CLI); empty skips it. */
const MEMORY_LIMIT = process.env['BENCH_DRIFT_MEMORY'] ?? '300MB';

interface ColumnResult {
  method: string;
  threshold: number;
  value: number | null;
  drifted: boolean;
}

interface Dataset {
  drifted_count: number;
  drifted_share: number;
  drift_share: number;
  drifted: boolean;
}

interface Measured {
  ms: number;
  peakRss: number;
  read_ms?: number;
  report_ms?: number;
  columns: Record<string, ColumnResult>;
  dataset: Dataset;
}

/** What an Aquifer child or the CLI prints: the report's columns as a list. */
interface AquiferOutput {
  ms: number;
  peakRss: number;
  columns: ({ column: string } & ColumnResult)[];
  dataset: Dataset;
}

const byColumn = (out: AquiferOutput): Measured => ({
  ms: out.ms,
  peakRss: out.peakRss,
  columns: Object.fromEntries(out.columns.map(({ column, method, threshold, value, drifted }) => [column, { method, threshold, value, drifted }])),
  dataset: out.dataset,
});

const python = (): string =>
  process.env['AQUIFER_PYTHON'] ??
  (execFileSync('bash', [path.join(repo, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .at(-1) as string);

const aquifer = async (part: 'file' | 'table', reference: string, current: string, env: Record<string, string> = {}): Promise<Measured> =>
  byColumn(await runJson<AquiferOutput>(process.execPath, ['--import', 'tsx', path.join(here, 'drift-child.ts'), part, reference, current], { env }));

/**
 * The CLI as a user runs it, under /usr/bin/time (its maximum resident set is the node process's:
 * time itself is a few MiB when it forks). It exits 1 when the dataset drifted, so a non-zero
 * exit is a failure only without a report on stdout.
 */
function cli(data: DriftData): Promise<Measured> {
  const timeFile = path.join(driftDataDir(data.rows), 'cli-time.txt');
  const args = ['-f', '%M', '-o', timeFile, process.execPath, CLI, 'monitor', 'drift'];
  args.push('--reference-file', data.reference.parquet, '--current-file', data.current.parquet, '--format', 'json');
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-8_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      void (async () => {
        if ((code !== 0 && code !== 1) || out.trim() === '') throw new Error(`aquifer monitor drift failed (${code}):\n${err}`);
        const kib = Number((await readFile(timeFile, 'utf8')).trim().split('\n').at(-1));
        const report = JSON.parse(out) as AquiferOutput;
        return byColumn({ ...report, ms, peakRss: kib * 1024 });
      })().then(resolve, reject);
    });
  });
}

const evidently = (data: DriftData): Promise<Measured> =>
  runJson<Measured>(python(), [path.join(here, 'drift_evidently.py'), data.reference.parquet, data.current.parquet], {
    timeoutMs: EVIDENTLY_TIMEOUT_MS,
    env: { BENCH_DRIFT_EVIDENTLY_MAX_RSS: EVIDENTLY_MAX_RSS, PYTHONIOENCODING: 'utf-8' },
  });

const close = (a: number | null, b: number | null): boolean =>
  a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)));

/** Throws unless `ours` tests the same columns as `theirs` with the same methods, values (1e-9 relative), verdicts. */
function assertAgree(oursName: string, ours: Measured, theirsName: string, theirs: Measured): void {
  const problems: string[] = [];
  const names = [...new Set([...Object.keys(ours.columns), ...Object.keys(theirs.columns)])].sort();
  for (const name of names) {
    const a = ours.columns[name];
    const b = theirs.columns[name];
    if (a === undefined || b === undefined) problems.push(`${name}: tested only by ${a === undefined ? theirsName : oursName}`);
    else if (a.method !== b.method || a.threshold !== b.threshold || a.drifted !== b.drifted || !close(a.value, b.value))
      problems.push(`${name}: ${JSON.stringify(a)} (${oursName}) vs ${JSON.stringify(b)} (${theirsName})`);
  }
  const [da, db] = [ours.dataset, theirs.dataset];
  if (da.drifted_count !== db.drifted_count || da.drift_share !== db.drift_share || da.drifted !== db.drifted || !close(da.drifted_share, db.drifted_share))
    problems.push(`dataset: ${JSON.stringify(da)} (${oursName}) vs ${JSON.stringify(db)} (${theirsName})`);
  if (problems.length > 0) throw new Error(`${oursName} and ${theirsName} disagree:\n  ${problems.join('\n  ')}`);
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const secs = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const EVIDENTLY = 'Evidently DataDriftPreset on pandas (read + report)';
const FILE = 'Aquifer driftReport, Parquet files';

log(`Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${load()}`);
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
const summary: string[] = [];
for (const rows of SIZES) {
  const data = await driftData(rows);
  const runs = runsAt(rows);
  const contenders: Record<string, () => Promise<Measured>> = {
    [FILE]: () => aquifer('file', data.reference.parquet, data.current.parquet),
    'Aquifer driftReport, Delta tables': () => aquifer('table', data.reference.table, data.current.table),
    'aquifer monitor drift --reference-file/--current-file (CLI)': () => cli(data),
    [EVIDENTLY]: () => evidently(data),
  };
  const names = Object.keys(contenders);
  const measured = new Map<string, Measured[]>(names.map((n) => [n, []]));
  let evidentlyError: string | undefined;
  // An untimed round first where a round is cheap; at the larger sizes the single round is checked and timed.
  for (let round = runs > 1 ? -1 : 0; round < runs; round++) {
    const got = new Map<string, Measured>();
    const order = [...names.slice(Math.max(0, round) % names.length), ...names.slice(0, Math.max(0, round) % names.length)];
    for (const name of order) {
      if (name === EVIDENTLY && evidentlyError !== undefined) continue;
      let result: Measured;
      try {
        result = await (contenders[name] as () => Promise<Measured>)();
      } catch (error) {
        if (name !== EVIDENTLY) throw error;
        evidentlyError = (error as Error).message;
        log(`${rows.toLocaleString('en-US')} rows: Evidently failed: ${evidentlyError}`);
        continue;
      }
      const which = round < 0 ? 'agreement round' : `round ${round + 1} of ${runs}`;
      log(`${rows.toLocaleString('en-US')} rows, ${which}: ${name} ${secs(result.ms)}, peak RSS ${mib(result.peakRss)}; load ${load()}`);
      got.set(name, result);
      if (round >= 0) measured.get(name)?.push(result);
    }
    const reference = got.get(EVIDENTLY) ?? got.get(FILE);
    const referenceName = got.has(EVIDENTLY) ? 'Evidently' : FILE;
    for (const [name, result] of got) if (name !== EVIDENTLY && name !== referenceName) assertAgree(name, result, referenceName, reference as Measured);
  }

  const medianOf = (name: string, pick: (m: Measured) => number): number => median((measured.get(name) ?? []).map(pick));
  const evidentlyMs = evidentlyError === undefined ? medianOf(EVIDENTLY, (m) => m.ms) : Number.NaN;
  const drifted = Object.entries(measured.get(FILE)?.[0]?.columns ?? {})
    .filter(([, c]) => c.drifted)
    .map(([name]) => name);
  console.log(
    `\n### Drift report, ${rows.toLocaleString('en-US')} rows per side × 12 columns (${runs === 1 ? 'one run' : `median of ${runs}`}; load average ${load()} at the end)\n`,
  );
  console.log(`Drifted (every contender agreeing): ${drifted.join(', ')}.\n`);
  console.log('| contender | time | peak RSS | Evidently ÷ this | runs (s) |\n| --- | --- | --- | --- | --- |');
  for (const name of names) {
    if (name === EVIDENTLY && evidentlyError !== undefined) {
      console.log(
        `| ${name} | failed: ${
          evidentlyError
            .split('\n')
            .filter((l) => l.trim() !== '')
            .at(-1) ?? ''
        } | | | |`,
      );
      continue;
    }
    const ms = medianOf(name, (m) => m.ms);
    const split = name === EVIDENTLY ? ` (read ${secs(medianOf(name, (m) => m.read_ms ?? 0))}, report ${secs(medianOf(name, (m) => m.report_ms ?? 0))})` : '';
    const ratio = name === EVIDENTLY || Number.isNaN(evidentlyMs) ? '' : `${(evidentlyMs / ms).toFixed(1)}×`;
    console.log(
      `| ${name} | ${secs(ms)}${split} | ${mib(medianOf(name, (m) => m.peakRss))} | ${ratio} | ${(measured.get(name) ?? []).map((m) => (m.ms / 1000).toFixed(2)).join(' / ')} |`,
    );
  }
  const aquiferPeak = Math.max(...names.filter((n) => n !== EVIDENTLY).map((n) => medianOf(n, (m) => m.peakRss)));
  summary.push(
    `${rows.toLocaleString('en-US')} rows: Aquifer (library, Parquet) ${secs(medianOf(FILE, (m) => m.ms))}, highest Aquifer peak RSS ${mib(aquiferPeak)}; ` +
      (evidentlyError === undefined
        ? `Evidently ${secs(evidentlyMs)}, ${mib(medianOf(EVIDENTLY, (m) => m.peakRss))}: ${(evidentlyMs / medianOf(FILE, (m) => m.ms)).toFixed(1)}× faster`
        : 'Evidently failed'),
  );
  await rm(path.join(driftDataDir(rows), 'cli-time.txt'), { force: true });
  if (MEMORY_LIMIT !== '' && rows === Math.max(...SIZES)) {
    const spill = path.join(driftDataDir(rows), 'spill');
    const limited = await aquifer('file', data.reference.parquet, data.current.parquet, { AQUIFER_MEMORY_LIMIT: MEMORY_LIMIT, AQUIFER_TEMP_DIRECTORY: spill });
    await rm(spill, { recursive: true, force: true });
    assertAgree(`${FILE} under memory_limit ${MEMORY_LIMIT}`, limited, FILE, measured.get(FILE)?.[0] as Measured);
    const line = `${FILE} under DuckDB's memory_limit ${MEMORY_LIMIT} (AQUIFER_MEMORY_LIMIT): ${secs(limited.ms)}, peak RSS ${mib(limited.peakRss)}; load ${load()}`;
    console.log(`\n${line}`);
    summary.push(`${rows.toLocaleString('en-US')} rows, ${line}`);
  }
}
console.log(`\nSummary (load average at the end ${load()}):\n${summary.map((s) => `- ${s}`).join('\n')}`);
