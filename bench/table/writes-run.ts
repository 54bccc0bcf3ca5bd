/**
 * Write-side benchmarks of the table layer (issue 8): `npm run bench:writes [append]
 * [merge] [delete] [checkpoint]` (all by default). Every contender runs in a process of
 * its own, so its peak RSS is its own; delta-rs runs in the reference venv.
 *
 * - append: BENCH_WRITE_ROWS rows (10M) in batches of 100k, one commit each, next to raw
 *   DuckDB COPY of the same batches to Parquet and delta-rs write_deltalake;
 * - merge: 1M updates (90% existing ids, 10% new) into the 10M-row table, next to delta-rs;
 * - delete: 1% of the rows with deletion vectors and with copy on write (and delta-rs);
 * - checkpoint: of a 100k-file table, and snapshot loads of a 20k-commit table, next to delta-rs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache, log } from './measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const ROWS = Number(process.env['BENCH_WRITE_ROWS'] ?? 10_000_000);
const BATCH = 100_000;
const FILES = Number(process.env['BENCH_CHECKPOINT_FILES'] ?? 100_000);
const COMMITS = Number(process.env['BENCH_LOAD_COMMITS'] ?? 20_000);
const APPEND_RUNS = Number(process.env['BENCH_APPEND_RUNS'] ?? 3);
const asked = process.argv.slice(2);
const wants = (name: string) => asked.length === 0 || asked.includes(name);

interface Measured {
  ms: number;
  peakRss: number;
  [key: string]: unknown;
}

function run(command: string, args: readonly string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-4000)));
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`${path.basename(args[0] ?? command)} ${args[1] ?? ''} failed (${code}):\n${err}`));
      else resolve(JSON.parse(last) as Measured);
    });
  });
}

const aquifer = (part: string, config: object) => run(process.execPath, ['--import', 'tsx', path.join(here, 'writes-child.ts'), part, JSON.stringify(config)]);
let pythonPath: string | undefined;
const deltaRs = (...args: string[]) => {
  pythonPath ??= execFileSync('bash', [path.join(repo, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1) as string;
  return run(pythonPath, [path.join(here, 'delta_rs_writes.py'), ...args]);
};

const count = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => (bytes >= 10 * 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : `${(bytes / 2 ** 10).toFixed(0)} KiB`);
const ratio = (n: number) => `${n.toFixed(2)}×`;
const table = (header: string[], rows: string[][]) => [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.parentPath.includes('_delta_log')) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function batches(engine: Engine, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let b = 0; b < ROWS / BATCH; b++) {
    const file = path.join(dir, `batch-${String(b).padStart(4, '0')}.parquet`);
    files.push(file);
    if ((await stat(file).catch(() => undefined)) !== undefined) continue;
    await engine.run(`COPY (SELECT id, (hash(id) % 1000)::INTEGER AS k, (hash(id * 7) % 1000000) / 1000.0 AS v, 'name-' || (id % 50000) AS s
      FROM (SELECT (${b * BATCH} + i)::BIGINT AS id FROM range(0, ${BATCH}) t(i))) TO ${quoteLiteral(file)} (FORMAT parquet)`);
  }
  return files;
}

/** A log of `commits` commits adding `perCommit` files each (files are never opened by checkpoints or loads, so none exist). */
async function syntheticLog(dir: string, commits: number, perCommit: number): Promise<void> {
  const logDir = path.join(dir, '_delta_log');
  await rm(dir, { recursive: true, force: true });
  await mkdir(logDir, { recursive: true });
  const schema = JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }, { name: 'value', type: 'double', nullable: true, metadata: {} }] });
  const start = Date.UTC(2024, 0, 1);
  const commit = (v: number) => {
    const lines: object[] = [{ commitInfo: { timestamp: start + v * 1000, operation: v === 0 ? 'CREATE TABLE' : 'WRITE', operationParameters: { mode: 'Append' }, isBlindAppend: v > 0 } }];
    if (v === 0) {
      lines.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, { metaData: { id: randomUUID(), format: { provider: 'parquet', options: {} }, schemaString: schema, partitionColumns: [], configuration: {}, createdTime: start } });
    } else {
      for (let f = 0; f < perCommit; f++) {
        const n = (v - 1) * perCommit + f;
        const stats = { numRecords: 100, minValues: { id: n * 100, value: 0.5 }, maxValues: { id: n * 100 + 99, value: 99.5 }, nullCount: { id: 0, value: 0 } };
        lines.push({ add: { path: `part-${String(n).padStart(7, '0')}-${randomUUID()}.parquet`, partitionValues: {}, size: 2048, modificationTime: start + v * 1000, dataChange: true, stats: JSON.stringify(stats) } });
      }
    }
    return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  };
  for (let first = 0; first <= commits; first += 500) {
    const versions = Array.from({ length: Math.min(500, commits + 1 - first) }, (_, i) => first + i);
    await Promise.all(versions.map((v) => writeFile(path.join(logDir, `${String(v).padStart(20, '0')}.json`), commit(v))));
  }
}

const engine = await Engine.create();
const cache = path.join(benchCache(), 'writes');
const work = path.join(cache, 'work');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const inputs = await batches(engine, path.join(cache, `batches-${ROWS}`));
console.log(`Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${count(ROWS)} rows in ${inputs.length} batches of ${count(BATCH)}\n`);
const base = path.join(work, 'base');

if (wants('append') || wants('merge')) {
  // Small writes vary from run to run with the disk's write-back: each contender runs
  // APPEND_RUNS times, interleaved, and the median run is reported.
  const ours: Measured[] = [];
  const volatile: Measured[] = [];
  const raws: Measured[] = [];
  const rawDir = path.join(work, 'raw');
  for (let run = 0; run < APPEND_RUNS; run++) {
    await rm(base, { recursive: true, force: true });
    log(`append (run ${run + 1} of ${APPEND_RUNS}): Aquifer append without fsync, ${inputs.length} commits`);
    volatile.push(await aquifer('append', { table: base, batches: inputs, durable: false }));
    // The durable run goes last: its table is the one the merge and delete parts start from.
    await rm(base, { recursive: true, force: true });
    log(`append (run ${run + 1} of ${APPEND_RUNS}): Aquifer append, ${inputs.length} commits`);
    ours.push(await aquifer('append', { table: base, batches: inputs }));
    await rm(rawDir, { recursive: true, force: true });
    await mkdir(rawDir, { recursive: true });
    log(`append (run ${run + 1} of ${APPEND_RUNS}): raw DuckDB COPY`);
    raws.push(await aquifer('raw-append', { table: '', batches: inputs, out: rawDir }));
  }
  log('append: delta-rs write_deltalake');
  const theirs = await deltaRs('append', path.join(work, 'delta-rs-append'), ...inputs);
  const median = (runs: Measured[]) => [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)] as Measured;
  const [one, loose, raw] = [median(ours), median(volatile), median(raws)];
  const rate = (m: Measured) => ROWS / (m.ms / 1000);
  const spread = (runs: Measured[]) => runs.map((m) => (m.ms / 1000).toFixed(2)).join(' / ');
  console.log(`### Append: ${count(ROWS)} rows in ${inputs.length} commits of ${count(BATCH)} (median of ${APPEND_RUNS} runs)\n`);
  console.log(table(['contender', 'time', 'rows/s', 'peak RSS', 'vs raw DuckDB (rows/s)', 'vs delta-rs (rows/s)', 'runs (s)'], [
    ['Aquifer `append` (one commit per batch, checkpoints every 10)', seconds(one.ms), count(rate(one)), mib(one.peakRss), ratio(rate(one) / rate(raw)), ratio(rate(one) / rate(theirs)), spread(ours)],
    ['Aquifer `append` with `durable: false` (no fsync, like raw DuckDB)', seconds(loose.ms), count(rate(loose)), mib(loose.peakRss), ratio(rate(loose) / rate(raw)), ratio(rate(loose) / rate(theirs)), spread(volatile)],
    ['raw DuckDB `COPY` of each batch to Parquet (no fsync)', seconds(raw.ms), count(rate(raw)), mib(raw.peakRss), '', '', spread(raws)],
    ['delta-rs `write_deltalake(mode="append")`', seconds(theirs.ms), count(rate(theirs)), mib(theirs.peakRss), '', '', (theirs.ms / 1000).toFixed(2)],
  ]) + '\n');
  await rm(rawDir, { recursive: true, force: true });
  await rm(path.join(work, 'delta-rs-append'), { recursive: true, force: true });
}

if (wants('merge')) {
  const source = path.join(work, 'merge-source.parquet');
  const stride = Math.max(1, Math.floor(ROWS / (ROWS / 10 * 0.9)));
  const updates = Math.floor(ROWS / 10 * 0.9);
  const inserts = Math.floor(ROWS / 10) - updates;
  await engine.run(`COPY (SELECT (i * ${stride})::BIGINT AS id, -1 AS k, -1.0 AS v, 'merged' AS s FROM range(0, ${updates}) t(i)
    UNION ALL SELECT (${ROWS} + i)::BIGINT, -1, -1.0, 'new' FROM range(0, ${inserts}) t(i)) TO ${quoteLiteral(source)} (FORMAT parquet)`);
  const oursTable = path.join(work, 'merge-aquifer');
  const theirsTable = path.join(work, 'merge-delta-rs');
  await cp(base, oursTable, { recursive: true });
  await cp(base, theirsTable, { recursive: true });
  log(`merge: Aquifer, ${count(updates + inserts)} source rows`);
  const ours = await aquifer('merge', { table: oursTable, source });
  log('merge: delta-rs');
  const theirs = await deltaRs('merge', theirsTable, source);
  console.log(`### Merge: ${count(updates)} updates and ${count(inserts)} inserts into ${count(ROWS)} rows (copy on write; delta-rs writes no deletion vectors)\n`);
  console.log(table(['contender', 'time', 'peak RSS', 'rows updated / inserted', 'delta-rs time / this'], [
    ['Aquifer `merge` (whenMatched update *, whenNotMatched insert *)', seconds(ours.ms), mib(ours.peakRss), `${count(Number(ours['updated']))} / ${count(Number(ours['inserted']))}`, ratio(theirs.ms / ours.ms)],
    ['delta-rs `merge().when_matched_update_all().when_not_matched_insert_all()`', seconds(theirs.ms), mib(theirs.peakRss), `${count(Number(theirs['updated']))} / ${count(Number(theirs['inserted']))}`, ''],
  ]) + '\n');
  await rm(oursTable, { recursive: true, force: true });
  await rm(theirsTable, { recursive: true, force: true });
}

if (wants('delete')) {
  const where = 'id % 100 = 7';
  const rowsMade: Record<string, string> = {};
  for (const [name, properties] of [['dv', { 'delta.enableDeletionVectors': 'true' }], ['cow', {}], ['delta-rs', {}]] as const) {
    const dir = path.join(work, `delete-${name}`);
    await DeltaTable.create(dir, { engine, data: { files: inputs }, properties });
    rowsMade[name] = dir;
  }
  const measure = async (name: string, work: () => Promise<Measured>): Promise<Measured & { written: number }> => {
    const before = await folderBytes(rowsMade[name] as string);
    const result = await work();
    return { ...result, written: (await folderBytes(rowsMade[name] as string)) - before };
  };
  log('delete: Aquifer with deletion vectors');
  const dv = await measure('dv', () => aquifer('delete', { table: rowsMade['dv'], where }));
  log('delete: Aquifer copy on write');
  const cow = await measure('cow', () => aquifer('delete', { table: rowsMade['cow'], where }));
  log('delete: delta-rs');
  const theirs = await measure('delta-rs', () => deltaRs('delete', rowsMade['delta-rs'] as string, where));
  console.log(`### Delete 1% of ${count(ROWS)} rows (\`${where}\`)\n`);
  console.log(table(['contender', 'time', 'bytes written', 'peak RSS', 'rows deleted'], [
    ['Aquifer, deletion vectors', seconds(dv.ms), mib(dv.written), mib(dv.peakRss), count(Number(dv['deleted']))],
    ['Aquifer, copy on write', seconds(cow.ms), mib(cow.written), mib(cow.peakRss), count(Number(cow['deleted']))],
    ['delta-rs `delete` (copy on write)', seconds(theirs.ms), mib(theirs.written), mib(theirs.peakRss), count(Number(theirs['deleted']))],
  ]) + '\n');
  for (const dir of Object.values(rowsMade)) await rm(dir, { recursive: true, force: true });
}

if (wants('checkpoint')) {
  const perCommit = 1000;
  const wide = path.join(work, 'wide');
  await syntheticLog(wide, FILES / perCommit, perCommit);
  const wideTheirs = path.join(work, 'wide-delta-rs');
  await cp(wide, wideTheirs, { recursive: true });
  log(`checkpoint: ${count(FILES)} files`);
  const ours = await aquifer('checkpoint', { table: wide });
  const theirs = await deltaRs('checkpoint', wideTheirs);
  const long = path.join(work, 'long');
  await syntheticLog(long, COMMITS, 1);
  log(`load: ${count(COMMITS)} commits`);
  const loadOurs = await aquifer('load', { table: long });
  const loadTheirs = await deltaRs('load', long);
  const longCheckpointed = path.join(work, 'long-checkpointed');
  const longTheirs = path.join(work, 'long-delta-rs');
  await cp(long, longCheckpointed, { recursive: true });
  await cp(long, longTheirs, { recursive: true });
  log(`checkpoint: ${count(COMMITS)} commits`);
  const longOurs = await aquifer('checkpoint', { table: longCheckpointed });
  const longCheckpointTheirs = await deltaRs('checkpoint', longTheirs);
  const loadOursCp = await aquifer('load', { table: longCheckpointed });
  const loadTheirsCp = await deltaRs('load', longCheckpointed);
  console.log(`### Checkpoint of a ${count(FILES)}-file table; snapshot load of a ${count(COMMITS)}-commit table\n`);
  console.log(table(['measure', 'Aquifer', 'delta-rs', 'delta-rs time / Aquifer', 'peak RSS Aquifer / delta-rs'], [
    [`checkpoint, ${count(FILES)} files (load the log, write the Parquet checkpoint)`, seconds(ours.ms), seconds(theirs.ms), ratio(theirs.ms / ours.ms), `${mib(ours.peakRss)} / ${mib(theirs.peakRss)}`],
    [`checkpoint, ${count(COMMITS)} commits of one file each, none checkpointed before`, seconds(longOurs.ms), seconds(longCheckpointTheirs.ms), ratio(longCheckpointTheirs.ms / longOurs.ms), `${mib(longOurs.peakRss)} / ${mib(longCheckpointTheirs.peakRss)}`],
    [`snapshot load, ${count(COMMITS)} JSON commits`, seconds(loadOurs.ms), seconds(loadTheirs.ms), ratio(loadTheirs.ms / loadOurs.ms), `${mib(loadOurs.peakRss)} / ${mib(loadTheirs.peakRss)}`],
    [`snapshot load, ${count(COMMITS)} commits with Aquifer's checkpoint at the last`, seconds(loadOursCp.ms), seconds(loadTheirsCp.ms), ratio(loadTheirsCp.ms / loadOursCp.ms), `${mib(loadOursCp.peakRss)} / ${mib(loadTheirsCp.peakRss)}`],
  ]) + '\n');
}

await rm(work, { recursive: true, force: true });
engine.close();
