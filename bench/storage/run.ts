/**
 * Tables on S3 (MinIO on loopback) next to the same on local disk and next to delta-rs on the
 * same bucket (issue 14): `npm run bench:s3 [scan] [append] [load] [growth]` (all by default).
 *
 * - scan: count(*) and sum(id) over BENCH_S3_SCAN_ROWS rows (10M) in BENCH_S3_SCAN_FILES files
 *   (100), full and selective (one file's id range), with a cold and a warm read cache;
 * - append: BENCH_S3_APPEND_ROWS rows (10M) in BENCH_S3_APPEND_COMMITS commits (100);
 * - load: snapshot load of a BENCH_S3_LOAD_COMMITS-commit log (20k) with a checkpoint;
 * - growth: request counts and bytes of a snapshot load and of one more commit as the table
 *   grows: BENCH_S3_GROWTH_FILES files (1000,10000,100000) in 10 commits, and
 *   BENCH_S3_GROWTH_COMMITS commits (1000,10000,100000) of one file each, both with a
 *   checkpoint 5 commits before the end; then extrapolated (computed, not measured) to 1M
 *   files and to 100k commits.
 *
 * Every contender runs in a process of its own (as a CLI command would), BENCH_S3_RUNS times
 * (3), interleaved, after one untimed round through a counting proxy in front of MinIO whose
 * results must agree and whose requests are what the tables report. Timed rounds talk to
 * MinIO directly. MinIO comes from scripts/minio.sh (test/support/services.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { S3ObjectStore, type S3StoreOptions } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { S3RequestLog, type S3Counts } from '../../test/support/s3-request-log.js';
import { startMinio, type MinioService } from '../../test/support/services.js';
import { runJson } from '../child-process.js';
import { log } from '../table/measure.js';
import { assertAgree, medianRun, writeRounds, type Measured } from '../table/write-rounds.js';
import { writeSyntheticCommits } from '../table/synthetic-log.js';
import { uploadFolder } from './upload-folder.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const list = (name: string, fallback: string): number[] => (process.env[name] ?? fallback).split(',').map(Number);
const SCAN_ROWS = num('BENCH_S3_SCAN_ROWS', 10_000_000);
const SCAN_FILES = num('BENCH_S3_SCAN_FILES', 100);
const APPEND_ROWS = num('BENCH_S3_APPEND_ROWS', 10_000_000);
const APPEND_COMMITS = num('BENCH_S3_APPEND_COMMITS', 100);
const LOAD_COMMITS = num('BENCH_S3_LOAD_COMMITS', 20_000);
const GROWTH_FILES = list('BENCH_S3_GROWTH_FILES', '1000,10000,100000');
const GROWTH_COMMITS = list('BENCH_S3_GROWTH_COMMITS', '1000,10000,100000');
const RUNS = Math.max(1, num('BENCH_S3_RUNS', 3));
const CHECKPOINT_INTERVAL = 10;
/** Commits after the checkpoint in the load and growth logs: a log tail to replay. */
const TAIL = 5;
const asked = process.argv.slice(2);
const wants = (name: string): boolean => asked.length === 0 || asked.includes(name);

// ---------------------------------------------------------------------------------------------
// Contenders: processes that print one JSON line

let bucket = '';
/** While true, contenders talk to MinIO through the counting proxy. */
let counting = false;
const endpoint = (): string => (counting ? proxy.endpoint : minio.endpoint);

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  return runJson<Measured>(command, args, { env });
}

function s3Options(cacheDir: string): S3StoreOptions {
  return { endpoint: endpoint(), credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey }, cache: { dir: cacheDir } };
}

const isS3 = (table: string): boolean => table.startsWith('s3://');
const aquifer = (part: string, config: { table: string; cacheDir?: string; [key: string]: unknown }): Promise<Measured> => {
  const { cacheDir, ...rest } = config;
  const s3 = isS3(config.table) ? { s3: s3Options(cacheDir ?? path.join(os.tmpdir(), 'aquifer-bench-unused-cache')) } : {};
  return run(process.execPath, ['--import', 'tsx', path.join(here, 's3-child.ts'), part, JSON.stringify({ ...rest, ...s3 })], {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
};
let pythonPath: string | undefined;
const deltaRs = (...args: string[]): Promise<Measured> => {
  pythonPath ??= execFileSync('bash', [path.join(repo, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .at(-1) as string;
  return run(pythonPath, [path.join(here, 'delta_rs_s3.py'), ...args], {
    AWS_ENDPOINT_URL: endpoint(),
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
};

/** Run `work` through the counting proxy and return its result with the requests it made. */
async function counted(work: () => Promise<Measured>): Promise<{ result: Measured; counts: S3Counts }> {
  counting = true;
  proxy.reset();
  try {
    const result = await work();
    return { result, counts: proxy.counts() };
  } finally {
    counting = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);
const bytes = (n: number): string =>
  n >= 10 * 2 ** 20 ? `${(n / 2 ** 20).toFixed(0)} MiB` : n >= 10 * 2 ** 10 ? `${(n / 2 ** 10).toFixed(0)} KiB` : `${Math.round(n)} B`;
const table = (header: string[], rows: string[][]): string => [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
const requests = (c: S3Counts | undefined): string[] =>
  c === undefined ? ['', '', '', '', ''] : [count(c.lists), count(c.gets), bytes(c.getBytes), count(c.heads), count(c.puts)];
const REQUEST_HEADER = ['LIST', 'GET', 'GET bytes', 'HEAD', 'PUT'];

interface Contender {
  prepare?: () => Promise<void>;
  run: () => Promise<Measured>;
}

/** Counted agreement round, then timed rounds against MinIO directly; rows for the table. */
async function measure(
  part: string,
  contenders: Record<string, Contender>,
  agree: (results: Record<string, Measured>) => void,
): Promise<Record<string, { median: Measured; runs: Measured[]; counts: S3Counts | undefined }>> {
  const countsOf: Record<string, S3Counts | undefined> = {};
  const first: Record<string, Measured> = {};
  for (const [name, contender] of Object.entries(contenders)) {
    await contender.prepare?.();
    const { result, counts } = await counted(contender.run);
    first[name] = result;
    countsOf[name] = counts.gets + counts.lists + counts.heads + counts.puts > 0 ? counts : undefined;
  }
  agree(first);
  const timed = await writeRounds(part, contenders, RUNS, async () => {});
  const out: Record<string, { median: Measured; runs: Measured[]; counts: S3Counts | undefined }> = {};
  for (const [name, runs] of Object.entries(timed)) {
    agree(Object.fromEntries([...Object.entries(first).filter(([n]) => n !== name), [name, runs.at(-1) as Measured]]));
    out[name] = { median: medianRun(runs), runs, counts: countsOf[name] };
  }
  return out;
}

const pick = (m: Measured, keys: readonly string[]): Record<string, unknown> => Object.fromEntries(keys.map((k) => [k, m[k]]));

// ---------------------------------------------------------------------------------------------
// Data

const minio: MinioService = await startMinio();
const proxy = await S3RequestLog.start(minio.endpoint);
const engine = await Engine.create();
const work = await mkdtemp(path.join(os.tmpdir(), 'aquifer-bench-s3-'));

/** `rows` rows in `parts` Parquet batches, ids increasing, written locally by DuckDB. */
async function batches(rows: number, parts: number, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const per = Math.ceil(rows / parts);
  const files: string[] = [];
  for (let b = 0; b < parts; b++) {
    const file = path.join(dir, `batch-${String(b).padStart(5, '0')}.parquet`);
    files.push(file);
    await engine.run(`COPY (SELECT id, (hash(id) % 1000)::INTEGER AS k, (hash(id * 7) % 1000000) / 1000.0 AS v, 'name-' || (id % 50000) AS s
      FROM (SELECT (${b * per} + i)::BIGINT AS id FROM range(0, ${Math.min(per, rows - b * per)}) t(i))) TO ${quoteLiteral(file)} (FORMAT parquet)`);
  }
  return files;
}

/** A table written by Aquifer from `files`: one create and one append per file. */
async function aquiferTable(location: string, files: readonly string[], s3?: S3StoreOptions): Promise<void> {
  const open = { engine, ...(s3 === undefined ? {} : { s3 }) };
  const [first, ...rest] = files;
  const { table } = await DeltaTable.create(location, { ...open, data: { files: first as string } });
  for (const file of rest) await table.append({ files: file });
}

/** A synthetic log (`commits` commits of `perCommit` files) with Aquifer's checkpoint TAIL commits before the end, on disk and in the bucket. */
async function checkpointedLog(name: string, commits: number, perCommit: number): Promise<{ local: string; s3: string }> {
  const local = path.join(work, name);
  await rm(local, { recursive: true, force: true });
  const last = Math.max(1, commits - 1);
  const checkpointAt = Math.max(0, last - TAIL);
  await writeSyntheticCommits(local, 0, checkpointAt, perCommit);
  await (await DeltaTable.open(local, { engine })).checkpoint();
  if (last > checkpointAt) await writeSyntheticCommits(local, checkpointAt + 1, last, perCommit);
  const s3 = `s3://${bucket}/${name}`;
  const store = new S3ObjectStore(s3, s3Options(path.join(work, 'upload-cache')));
  try {
    await uploadFolder(local, store);
  } finally {
    store.close();
  }
  return { local, s3 };
}

// ---------------------------------------------------------------------------------------------
// Parts

const output: string[] = [];
const print = (text: string): void => {
  output.push(text);
  console.log(text);
};

async function scanPart(): Promise<void> {
  log(`scan: writing ${count(SCAN_ROWS)} rows in ${SCAN_FILES} files on S3 and on disk`);
  const files = await batches(SCAN_ROWS, SCAN_FILES, path.join(work, 'scan-batches'));
  const s3 = `s3://${bucket}/scan`;
  const local = path.join(work, 'scan');
  await aquiferTable(s3, files, s3Options(path.join(work, 'writer-cache')));
  await aquiferTable(local, files);
  const per = Math.ceil(SCAN_ROWS / SCAN_FILES);
  const middle = Math.floor(SCAN_FILES / 2) * per;
  const queries: [string, string | undefined][] = [
    ['full scan', undefined],
    [`selective: \`id BETWEEN ${middle} AND ${middle + Math.min(per, 1000) - 1}\``, `id BETWEEN ${middle} AND ${middle + Math.min(per, 1000) - 1}`],
  ];
  const rows: string[][] = [];
  for (const [label, where] of queries) {
    let cold = '';
    const warm = path.join(work, `warm-cache-${rows.length}`);
    const whereArgs = where === undefined ? {} : { where };
    const results = await measure(
      `scan (${label})`,
      {
        'Aquifer, S3, cold read cache': {
          prepare: async () => {
            cold = await mkdtemp(path.join(work, 'cold-cache-'));
          },
          run: () => aquifer('scan', { table: s3, cacheDir: cold, ...whereArgs }),
        },
        'Aquifer, S3, warm read cache (scanned before)': {
          prepare: async () => {
            await aquifer('scan', { table: s3, cacheDir: warm, ...whereArgs });
          },
          run: () => aquifer('scan', { table: s3, cacheDir: warm, ...whereArgs }),
        },
        'Aquifer, local disk': { run: () => aquifer('scan', { table: local, ...whereArgs }) },
        'delta-rs (DataFusion `QueryBuilder`), S3': { run: () => deltaRs('scan', s3, where ?? '') },
      },
      (r) => assertAgree(`scan ${label}`, Object.fromEntries(Object.entries(r).map(([n, m]) => [n, pick(m, ['rows', 'sumId'])]))),
    );
    for (const [name, { median, runs, counts }] of Object.entries(results)) {
      rows.push([label, name, count(Number(median['rows'])), seconds(median.ms), ...requests(counts), runs.map((m) => (m.ms / 1000).toFixed(2)).join(' / ')]);
    }
  }
  print(`\n### Scan: ${count(SCAN_ROWS)} rows in ${SCAN_FILES} files on MinIO (loopback), count(*) and sum(id), median of ${RUNS}\n`);
  print(table(['query', 'contender', 'rows', 'time', ...REQUEST_HEADER, 'runs (s)'], rows));
}

async function appendPart(): Promise<void> {
  log(`append: ${count(APPEND_ROWS)} rows in ${APPEND_COMMITS} commits`);
  const files = await batches(APPEND_ROWS, APPEND_COMMITS, path.join(work, 'append-batches'));
  let round = 0;
  const fresh = (kind: 's3' | 'local', who: string): string =>
    kind === 's3' ? `s3://${bucket}/append-${who}-${round}` : path.join(work, `append-${who}-${round}`);
  const outputs: Record<string, string> = {};
  const contender = (name: string, kind: 's3' | 'local', who: 'aquifer' | 'delta-rs'): Contender => ({
    prepare: async () => {
      round += 1;
      outputs[name] = fresh(kind, who);
    },
    run: async () => {
      const location = outputs[name] as string;
      const measured =
        who === 'aquifer'
          ? await aquifer('append', { table: location, cacheDir: path.join(work, 'append-cache'), batches: files, checkpointInterval: CHECKPOINT_INTERVAL })
          : await deltaRs('append', location, String(CHECKPOINT_INTERVAL), ...files);
      // What the table holds, as Aquifer reads it (untimed, through MinIO directly).
      const wasCounting = counting;
      counting = false;
      const digest = await aquifer('digest', { table: location, cacheDir: await mkdtemp(path.join(work, 'digest-cache-')) });
      counting = wasCounting;
      return { ...measured, ...pick(digest, ['rows', 'sumId', 'version']) };
    },
  });
  const results = await measure(
    'append',
    {
      'Aquifer `append`, S3': contender('Aquifer `append`, S3', 's3', 'aquifer'),
      'delta-rs `write_deltalake` on one open DeltaTable, S3': contender('delta-rs, S3', 's3', 'delta-rs'),
      'Aquifer `append`, local disk (durable)': contender('Aquifer, local', 'local', 'aquifer'),
      'delta-rs, local disk': contender('delta-rs, local', 'local', 'delta-rs'),
    },
    (r) => assertAgree('append', Object.fromEntries(Object.entries(r).map(([n, m]) => [n, pick(m, ['rows', 'sumId', 'version'])]))),
  );
  const rows = Object.entries(results).map(([name, { median, runs, counts }]) => [
    name,
    seconds(median.ms),
    count(APPEND_ROWS / (median.ms / 1000)),
    ...requests(counts),
    runs.map((m) => (m.ms / 1000).toFixed(2)).join(' / '),
  ]);
  print(`\n### Append: ${count(APPEND_ROWS)} rows in ${APPEND_COMMITS} commits (checkpoint every ${CHECKPOINT_INTERVAL}), median of ${RUNS}\n`);
  print(table(['contender', 'time', 'rows/s', ...REQUEST_HEADER, 'runs (s)'], rows));
}

/** What the protocol needs to load a snapshot from a checkpoint: `_last_checkpoint`, one LIST page of the tail, the checkpoint, the tail's commits. */
const protocolMinimum = (tailCommits: number): string => `1 LIST, ${2 + tailCommits} GET`;

async function loadPart(): Promise<void> {
  log(`load: a ${count(LOAD_COMMITS)}-commit log with a checkpoint`);
  const { local, s3 } = await checkpointedLog('load', LOAD_COMMITS, 1);
  const results = await measure(
    'snapshot load',
    {
      'Aquifer, S3': { run: () => aquifer('load', { table: s3, cacheDir: path.join(work, 'load-cache') }) },
      'delta-rs, S3': { run: () => deltaRs('load', s3) },
      'Aquifer, local disk': { run: () => aquifer('load', { table: local }) },
      'delta-rs, local disk': { run: () => deltaRs('load', local) },
    },
    (r) => assertAgree('snapshot load', Object.fromEntries(Object.entries(r).map(([n, m]) => [n, pick(m, ['version', 'files', 'pathsDigest'])]))),
  );
  const rows = Object.entries(results).map(([name, { median, runs, counts }]) => [
    name,
    seconds(median.ms),
    ...requests(counts),
    runs.map((m) => (m.ms / 1000).toFixed(2)).join(' / '),
  ]);
  print(
    `\n### Snapshot load: ${count(LOAD_COMMITS)} commits, a checkpoint ${TAIL} commits before the end (protocol minimum: ${protocolMinimum(TAIL)}), median of ${RUNS}\n`,
  );
  print(table(['contender', 'time', ...REQUEST_HEADER, 'runs (s)'], rows));
}

interface GrowthPoint {
  size: number;
  aquiferLoad: S3Counts;
  deltaRsLoad: S3Counts;
  commit: S3Counts;
}

async function growthSeries(kind: 'files' | 'commits', sizes: readonly number[]): Promise<GrowthPoint[]> {
  const points: GrowthPoint[] = [];
  for (const size of sizes) {
    log(`growth: ${count(size)} ${kind}`);
    const [commits, perCommit] = kind === 'files' ? [TAIL + 6, Math.max(1, Math.ceil(size / (TAIL + 5)))] : [size, 1];
    const { s3 } = await checkpointedLog(`growth-${kind}-${size}`, commits, perCommit);
    const aquiferLoad = (await counted(() => aquifer('load', { table: s3, cacheDir: path.join(work, `growth-cache-${kind}-${size}`) }))).counts;
    const deltaRsLoad = (await counted(() => deltaRs('load', s3))).counts;
    // One more commit on top (a one-row append), as a writer in a new process pays it.
    const row = path.join(work, 'one-row.parquet');
    await engine.run(`COPY (SELECT 1::BIGINT AS id, 0.5::DOUBLE AS value) TO ${quoteLiteral(row)} (FORMAT parquet)`);
    const commit = (
      await counted(async () => {
        const t0 = performance.now();
        const table = await DeltaTable.open(s3, { engine: await Engine.create(), s3: s3Options(path.join(work, `growth-cache-${kind}-${size}`)) });
        await table.append({ files: row });
        return { ms: performance.now() - t0, peakRss: 0 };
      })
    ).counts;
    points.push({ size, aquiferLoad, deltaRsLoad, commit });
  }
  return points;
}

/** Least-squares line through (size, value), for extrapolating on paper. */
function fit(points: readonly { x: number; y: number }[]): (x: number) => number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  return (x) => my + slope * (x - mx);
}

async function growthPart(): Promise<void> {
  const rows: string[][] = [];
  for (const [kind, sizes, target] of [
    ['files', GROWTH_FILES, 1_000_000],
    ['commits', GROWTH_COMMITS, 100_000],
  ] as const) {
    const points = await growthSeries(kind, sizes);
    for (const p of points) {
      const label = `${count(p.size)} ${kind}`;
      rows.push([label, 'measured', 'Aquifer snapshot load', ...requests(p.aquiferLoad)]);
      rows.push([label, 'measured', 'delta-rs snapshot load', ...requests(p.deltaRsLoad)]);
      rows.push([label, 'measured', 'Aquifer one-row append (load + write)', ...requests(p.commit)]);
    }
    if (points.some((p) => p.size >= target)) continue;
    for (const [what, of] of [
      ['Aquifer snapshot load', (p: GrowthPoint) => p.aquiferLoad],
      ['delta-rs snapshot load', (p: GrowthPoint) => p.deltaRsLoad],
      ['Aquifer one-row append (load + write)', (p: GrowthPoint) => p.commit],
    ] as const) {
      const at = (field: keyof S3Counts): number => Math.max(0, fit(points.map((p) => ({ x: p.size, y: of(p)[field] })))(target));
      const computed: S3Counts = { lists: at('lists'), gets: at('gets'), getBytes: at('getBytes'), heads: at('heads'), puts: at('puts'), other: 0 };
      rows.push([`${count(target)} ${kind}`, `computed (linear fit of ${points.map((p) => count(p.size)).join(', ')})`, what, ...requests(computed)]);
    }
  }
  print(`\n### Requests per operation as the table grows (checkpoint ${TAIL} commits before the end)\n`);
  print(table(['table', 'figure', 'operation', ...REQUEST_HEADER], rows));
}

// ---------------------------------------------------------------------------------------------

try {
  bucket = await minio.createBucket('aquifer-bench');
  print(
    `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}; MinIO on loopback; ${RUNS} timed runs per contender after a counted agreement round`,
  );
  if (wants('scan')) await scanPart();
  if (wants('append')) await appendPart();
  if (wants('load')) await loadPart();
  if (wants('growth')) await growthPart();
} finally {
  engine.close();
  await proxy.stop();
  await minio.stop();
  await rm(work, { recursive: true, force: true });
}
