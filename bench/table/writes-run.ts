/**
 * Write-side benchmarks of the table layer (issue 8): `npm run bench:writes [append]
 * [merge] [delete] [checkpoint]` (all by default). Every contender runs in a process of
 * its own, so its peak RSS is its own; delta-rs runs in the reference venv.
 *
 * - append: BENCH_WRITE_ROWS rows (10M) in batches of 100k, one commit each, next to raw
 *   DuckDB COPY of the same batches to Parquet and delta-rs write_deltalake (one DeltaTable
 *   kept open, the same checkpoint interval);
 * - merge: 1M updates (90% existing ids, 10% new) into the 10M-row table, next to delta-rs;
 * - delete: 1% of the rows with copy on write (both) and with deletion vectors (Aquifer only:
 *   delta-rs deletes by copy on write);
 * - checkpoint: of a 100k-file table and of a 20k-commit log, and snapshot loads of the
 *   20k-commit table, next to delta-rs.
 *
 * Every part runs each contender BENCH_WRITE_RUNS times (3), interleaved, after one untimed
 * round whose results must agree (rows, sum(id) and a hash of every row as Aquifer reads
 * them, rows and sum(id) as delta-rs reads them; for checkpoints, the version and file list
 * each checkpoint alone gives both readers); every timed round is checked the same way.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runJson } from '../child-process.js';
import { benchCache, log } from './measure.js';
import { writeSyntheticCommits } from './synthetic-log.js';
import { assertAgree, medianRun, writeRounds, type Measured } from './write-rounds.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const ROWS = Number(process.env['BENCH_WRITE_ROWS'] ?? 10_000_000);
const BATCH = 100_000;
const FILES = Number(process.env['BENCH_CHECKPOINT_FILES'] ?? 100_000);
const COMMITS = Number(process.env['BENCH_LOAD_COMMITS'] ?? 20_000);
/** Timed runs of every contender (BENCH_APPEND_RUNS is the older name). */
const RUNS = Math.max(1, Number(process.env['BENCH_WRITE_RUNS'] ?? process.env['BENCH_APPEND_RUNS'] ?? 3));
/** Both appenders' tables checkpoint every this many commits (delta-rs's default is 100, Aquifer's 10). */
const CHECKPOINT_INTERVAL = 10;
const asked = process.argv.slice(2);
const wants = (name: string) => asked.length === 0 || asked.includes(name);

function run(command: string, args: readonly string[]): Promise<Measured> {
  return runJson<Measured>(command, args);
}

const aquifer = (part: string, config: object) => run(process.execPath, ['--import', 'tsx', path.join(here, 'writes-child.ts'), part, JSON.stringify(config)]);
let pythonPath: string | undefined;
const deltaRs = (...args: string[]) => {
  pythonPath ??= execFileSync('bash', [path.join(repo, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .at(-1) as string;
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

/** A fresh log of `commits` commits after the first, adding `perCommit` files each (files are never opened by checkpoints or loads, so none exist). */
async function syntheticLog(dir: string, commits: number, perCommit: number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await writeSyntheticCommits(dir, 0, commits, perCommit);
}

/** Rows, sum(id) and an order-free hash of every row, as Aquifer reads the table (or raw DuckDB the folder). */
async function aquiferDigest(dir: string, raw = false): Promise<{ rows: number; sumId: string; rowsHash: string }> {
  const from = raw ? `read_parquet(${quoteLiteral(`${dir}/*.parquet`)})` : `(${await (await (await DeltaTable.open(dir, { engine })).scan()).sql()})`;
  const [row] = await engine.query(
    `SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS VARCHAR) AS sum_id, CAST(bit_xor(hash(id, k, v, s)) AS VARCHAR) AS rows_hash FROM ${from}`,
  );
  return { rows: Number(row?.['n']), sumId: String(row?.['sum_id']), rowsHash: String(row?.['rows_hash']) };
}

/**
 * The contenders' outputs must hold the same rows: the same digest as Aquifer reads each
 * (raw DuckDB's folder read as plain Parquet), and the same rows and sum(id) as delta-rs
 * reads each Delta table; `rows` is what they all must hold.
 */
async function agreeOnRows(what: string, rows: number, tables: Record<string, string>, raw: Record<string, string> = {}): Promise<void> {
  const ours: Record<string, unknown> = { expected: rows };
  for (const [name, dir] of Object.entries(tables)) ours[name] = await aquiferDigest(dir);
  for (const [name, dir] of Object.entries(raw)) ours[name] = await aquiferDigest(dir, true);
  assertAgree(
    `${what} (read by Aquifer)`,
    Object.fromEntries(Object.entries(ours).map(([name, d]) => [name, typeof d === 'number' ? d : (d as { rows: number }).rows])),
  );
  assertAgree(`${what} (read by Aquifer)`, Object.fromEntries(Object.entries(ours).filter(([name]) => name !== 'expected')));
  const { digests } = (await deltaRs('digest', ...Object.values(tables))) as Measured & { digests: { rows: number; sumId: string }[] };
  const first = Object.values(ours).find((d) => typeof d !== 'number') as { rows: number; sumId: string };
  assertAgree(`${what} (read by delta-rs)`, {
    aquifer: { rows: first.rows, sumId: first.sumId },
    ...Object.fromEntries(Object.keys(tables).map((name, i) => [name, digests[i]])),
  });
}

const engine = await Engine.create();
const cache = path.join(benchCache(), 'writes');
const work = path.join(cache, 'work');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const inputs = await batches(engine, path.join(cache, `batches-${ROWS}`));
console.log(
  `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}; ${count(ROWS)} rows in ${inputs.length} batches of ${count(BATCH)}; ${RUNS} timed runs per contender after an agreement round\n`,
);
const base = path.join(work, 'base');
const spread = (runs: Measured[]) => runs.map((m) => (m.ms / 1000).toFixed(2)).join(' / ');
/** A fresh copy of `from` at `to` (untimed preparation). */
const fresh = (from: string, to: string) => async () => {
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true });
};

if (wants('append') || wants('merge')) {
  const volatileDir = path.join(work, 'append-volatile');
  const rawDir = path.join(work, 'raw');
  const theirsDir = path.join(work, 'delta-rs-append');
  const emptied =
    (dir: string, make = false) =>
    async () => {
      await rm(dir, { recursive: true, force: true });
      if (make) await mkdir(dir, { recursive: true });
    };
  log(`append: ${inputs.length} commits per contender`);
  const runs = await writeRounds(
    'append',
    {
      // Its table is the one the merge and delete parts start from.
      Aquifer: { prepare: emptied(base), run: () => aquifer('append', { table: base, batches: inputs, checkpointInterval: CHECKPOINT_INTERVAL }) },
      'Aquifer durable: false': {
        prepare: emptied(volatileDir),
        run: () => aquifer('append', { table: volatileDir, batches: inputs, durable: false, checkpointInterval: CHECKPOINT_INTERVAL }),
      },
      'raw DuckDB': { prepare: emptied(rawDir, true), run: () => aquifer('raw-append', { table: '', batches: inputs, out: rawDir }) },
      'delta-rs': { prepare: emptied(theirsDir), run: () => deltaRs('append', theirsDir, String(CHECKPOINT_INTERVAL), ...inputs) },
    },
    RUNS,
    () => agreeOnRows('append', ROWS, { aquifer: base, 'aquifer durable: false': volatileDir, 'delta-rs': theirsDir }, { 'raw DuckDB': rawDir }),
  );
  if (wants('append')) {
    const [one, loose, raw, theirs] = [runs['Aquifer'], runs['Aquifer durable: false'], runs['raw DuckDB'], runs['delta-rs']].map((r) =>
      medianRun(r ?? []),
    ) as [Measured, Measured, Measured, Measured];
    const rate = (m: Measured) => ROWS / (m.ms / 1000);
    console.log(`### Append: ${count(ROWS)} rows in ${inputs.length} commits of ${count(BATCH)} (median of ${RUNS} interleaved runs)\n`);
    console.log(
      table(
        ['contender', 'time', 'rows/s', 'peak RSS', 'vs delta-rs (rows/s)', 'vs raw DuckDB (rows/s)', 'runs (s)'],
        [
          [
            `Aquifer \`append\` (one commit per batch, checkpoint every ${CHECKPOINT_INTERVAL}, durable)`,
            seconds(one.ms),
            count(rate(one)),
            mib(one.peakRss),
            ratio(rate(one) / rate(theirs)),
            ratio(rate(one) / rate(raw)),
            spread(runs['Aquifer'] ?? []),
          ],
          [
            `delta-rs \`write_deltalake(table, batch, mode="append")\` on one open DeltaTable (checkpoint every ${CHECKPOINT_INTERVAL}, no fsync)`,
            seconds(theirs.ms),
            count(rate(theirs)),
            mib(theirs.peakRss),
            '1.00×',
            '',
            spread(runs['delta-rs'] ?? []),
          ],
          [
            'Aquifer `append` with `durable: false` (no fsync, like delta-rs and raw DuckDB)',
            seconds(loose.ms),
            count(rate(loose)),
            mib(loose.peakRss),
            ratio(rate(loose) / rate(theirs)),
            ratio(rate(loose) / rate(raw)),
            spread(runs['Aquifer durable: false'] ?? []),
          ],
          [
            'raw DuckDB `COPY` of each batch to Parquet (no table, no fsync)',
            seconds(raw.ms),
            count(rate(raw)),
            mib(raw.peakRss),
            '',
            '1.00×',
            spread(runs['raw DuckDB'] ?? []),
          ],
        ],
      ) + '\n',
    );
  }
  await rm(rawDir, { recursive: true, force: true });
  await rm(volatileDir, { recursive: true, force: true });
  await rm(theirsDir, { recursive: true, force: true });
}

if (wants('merge')) {
  const source = path.join(work, 'merge-source.parquet');
  const stride = Math.max(1, Math.floor(ROWS / ((ROWS / 10) * 0.9)));
  const updates = Math.floor((ROWS / 10) * 0.9);
  const inserts = Math.floor(ROWS / 10) - updates;
  await engine.run(`COPY (SELECT (i * ${stride})::BIGINT AS id, -1::INTEGER AS k, -1.0::DOUBLE AS v, 'merged' AS s FROM range(0, ${updates}) t(i)
    UNION ALL SELECT (${ROWS} + i)::BIGINT, -1::INTEGER, -1.0::DOUBLE, 'new' FROM range(0, ${inserts}) t(i)) TO ${quoteLiteral(source)} (FORMAT parquet)`);
  const oursTable = path.join(work, 'merge-aquifer');
  const theirsTable = path.join(work, 'merge-delta-rs');
  const last: Record<string, Measured> = {};
  const runs = await writeRounds(
    'merge',
    {
      Aquifer: { prepare: fresh(base, oursTable), run: async () => (last['Aquifer'] = await aquifer('merge', { table: oursTable, source })) },
      'delta-rs': { prepare: fresh(base, theirsTable), run: async () => (last['delta-rs'] = await deltaRs('merge', theirsTable, source)) },
    },
    RUNS,
    async () => {
      assertAgree('merge: rows updated / inserted', {
        expected: [updates, inserts],
        ...Object.fromEntries(Object.entries(last).map(([name, m]) => [name, [Number(m['updated']), Number(m['inserted'])]])),
      });
      await agreeOnRows('merge', ROWS + inserts, { aquifer: oursTable, 'delta-rs': theirsTable });
    },
  );
  const [ours, theirs] = [medianRun(runs['Aquifer'] ?? []), medianRun(runs['delta-rs'] ?? [])];
  console.log(
    `### Merge: ${count(updates)} updates and ${count(inserts)} inserts into ${count(ROWS)} rows (copy on write, both; median of ${RUNS} interleaved runs)\n`,
  );
  console.log(
    table(
      ['contender', 'time', 'delta-rs time / this', 'peak RSS', 'rows updated / inserted', 'runs (s)'],
      [
        [
          'Aquifer `merge` (whenMatched update *, whenNotMatched insert *)',
          seconds(ours.ms),
          ratio(theirs.ms / ours.ms),
          mib(ours.peakRss),
          `${count(Number(ours['updated']))} / ${count(Number(ours['inserted']))}`,
          spread(runs['Aquifer'] ?? []),
        ],
        [
          'delta-rs `merge().when_matched_update_all().when_not_matched_insert_all()`',
          seconds(theirs.ms),
          '1.00×',
          mib(theirs.peakRss),
          `${count(Number(theirs['updated']))} / ${count(Number(theirs['inserted']))}`,
          spread(runs['delta-rs'] ?? []),
        ],
      ],
    ) + '\n',
  );
  await rm(oursTable, { recursive: true, force: true });
  await rm(theirsTable, { recursive: true, force: true });
}

if (wants('delete')) {
  const where = 'id % 100 = 7';
  const deleted = ROWS / 100;
  // The same rows written the same way into two tables, one with deletion vectors enabled; each run deletes from a fresh copy.
  const cowSource = path.join(work, 'delete-source-cow');
  const dvSource = path.join(work, 'delete-source-dv');
  await DeltaTable.create(cowSource, { engine, data: { files: inputs } });
  await DeltaTable.create(dvSource, { engine, data: { files: inputs }, properties: { 'delta.enableDeletionVectors': 'true' } });
  await agreeOnRows('delete: the tables before the delete', ROWS, { 'copy on write': cowSource, 'deletion vectors': dvSource });
  const dirs = {
    'Aquifer, copy on write': path.join(work, 'delete-cow'),
    'delta-rs, copy on write': path.join(work, 'delete-delta-rs'),
    'Aquifer, deletion vectors': path.join(work, 'delete-dv'),
  };
  const measured = (dir: string, work: () => Promise<Measured>) => async (): Promise<Measured> => {
    const before = await folderBytes(dir);
    const result = await work();
    return { ...result, written: (await folderBytes(dir)) - before };
  };
  const last: Record<string, Measured> = {};
  const runs = await writeRounds(
    'delete',
    {
      'Aquifer, copy on write': {
        prepare: fresh(cowSource, dirs['Aquifer, copy on write']),
        run: async () =>
          (last['Aquifer, copy on write'] = await measured(dirs['Aquifer, copy on write'], () =>
            aquifer('delete', { table: dirs['Aquifer, copy on write'], where }),
          )()),
      },
      'delta-rs, copy on write': {
        prepare: fresh(cowSource, dirs['delta-rs, copy on write']),
        run: async () =>
          (last['delta-rs, copy on write'] = await measured(dirs['delta-rs, copy on write'], () =>
            deltaRs('delete', dirs['delta-rs, copy on write'], where),
          )()),
      },
      'Aquifer, deletion vectors': {
        prepare: fresh(dvSource, dirs['Aquifer, deletion vectors']),
        run: async () =>
          (last['Aquifer, deletion vectors'] = await measured(dirs['Aquifer, deletion vectors'], () =>
            aquifer('delete', { table: dirs['Aquifer, deletion vectors'], where }),
          )()),
      },
    },
    RUNS,
    async () => {
      assertAgree('delete: rows deleted', { expected: deleted, ...Object.fromEntries(Object.entries(last).map(([name, m]) => [name, Number(m['deleted'])])) });
      await agreeOnRows('delete', ROWS - deleted, dirs);
    },
  );
  const m = (name: keyof typeof dirs) => medianRun(runs[name] ?? []);
  const [cow, theirs, dv] = [m('Aquifer, copy on write'), m('delta-rs, copy on write'), m('Aquifer, deletion vectors')];
  console.log(`### Delete 1% of ${count(ROWS)} rows (\`${where}\`; median of ${RUNS} interleaved runs, each on a fresh copy)\n`);
  console.log(
    table(
      ['kind', 'contender', 'time', 'delta-rs time / this', 'bytes written', 'peak RSS', 'rows deleted', 'runs (s)'],
      [
        [
          'copy on write (both)',
          'Aquifer `delete` on a table without deletion vectors',
          seconds(cow.ms),
          ratio(theirs.ms / cow.ms),
          mib(Number(cow['written'])),
          mib(cow.peakRss),
          count(Number(cow['deleted'])),
          spread(runs['Aquifer, copy on write'] ?? []),
        ],
        [
          'copy on write (both)',
          'delta-rs `DeltaTable.delete(predicate)`',
          seconds(theirs.ms),
          '1.00×',
          mib(Number(theirs['written'])),
          mib(theirs.peakRss),
          count(Number(theirs['deleted'])),
          spread(runs['delta-rs, copy on write'] ?? []),
        ],
        [
          'deletion vectors (Aquifer only)',
          'Aquifer `delete` with `delta.enableDeletionVectors` (not like for like: delta-rs has no deletion-vector writes)',
          seconds(dv.ms),
          `(${ratio(theirs.ms / dv.ms)})`,
          mib(Number(dv['written'])),
          mib(dv.peakRss),
          count(Number(dv['deleted'])),
          spread(runs['Aquifer, deletion vectors'] ?? []),
        ],
      ],
    ) + '\n',
  );
  for (const dir of [...Object.values(dirs), cowSource, dvSource]) await rm(dir, { recursive: true, force: true });
}

if (wants('checkpoint')) {
  /** The latest version and the sorted file list's digest, as Aquifer reads the table. */
  const aquiferState = async (dir: string) => {
    const snapshot = await (await DeltaTable.open(dir, { engine })).snapshot();
    const paths = snapshot.files.map((f) => decodeURIComponent(f.path)).sort();
    return { version: snapshot.version, files: paths.length, pathsDigest: createHash('sha256').update(paths.join('\n')).digest('hex') };
  };
  const theirState = async (dir: string) => {
    const { version, files, pathsDigest } = await deltaRs('load', dir);
    return { version, files, pathsDigest };
  };
  /**
   * What a checkpoint alone gives: a copy of the table's log holding only its checkpoint and
   * _last_checkpoint (no JSON commit to fall back on), read by both readers.
   */
  const checkpointState = async (dir: string, name: string) => {
    const last = JSON.parse(await readFile(path.join(dir, '_delta_log', '_last_checkpoint'), 'utf8')) as { version: number };
    const only = path.join(work, `checkpoint-only-${name}`);
    await rm(only, { recursive: true, force: true });
    await mkdir(path.join(only, '_delta_log'), { recursive: true });
    for (const file of await readdir(path.join(dir, '_delta_log'))) {
      if (file === '_last_checkpoint' || file.startsWith(`${String(last.version).padStart(20, '0')}.checkpoint`))
        await copyFile(path.join(dir, '_delta_log', file), path.join(only, '_delta_log', file));
    }
    const states = { [`${name}'s checkpoint read by Aquifer`]: await aquiferState(only), [`${name}'s checkpoint read by delta-rs`]: await theirState(only) };
    await rm(only, { recursive: true, force: true });
    return states;
  };
  const checkpoints = async (label: string, pristine: string) => {
    const expected = { 'Aquifer from the JSON commits': await aquiferState(pristine), 'delta-rs from the JSON commits': await theirState(pristine) };
    assertAgree(`${label}: the table before its checkpoint`, expected);
    const ours = path.join(work, 'checkpoint-aquifer');
    const theirs = path.join(work, 'checkpoint-delta-rs');
    const runs = await writeRounds(
      label,
      {
        Aquifer: { prepare: fresh(pristine, ours), run: () => aquifer('checkpoint', { table: ours }) },
        'delta-rs': { prepare: fresh(pristine, theirs), run: () => deltaRs('checkpoint', theirs) },
      },
      RUNS,
      async () =>
        assertAgree(`${label}: the state each checkpoint gives`, {
          ...expected,
          ...(await checkpointState(ours, 'Aquifer')),
          ...(await checkpointState(theirs, 'delta-rs')),
        }),
    );
    await rm(ours, { recursive: true, force: true });
    await rm(theirs, { recursive: true, force: true });
    return {
      ours: medianRun(runs['Aquifer'] ?? []),
      theirs: medianRun(runs['delta-rs'] ?? []),
      oursRuns: runs['Aquifer'] ?? [],
      theirsRuns: runs['delta-rs'] ?? [],
    };
  };

  const perCommit = 1000;
  const wide = path.join(work, 'wide');
  await syntheticLog(wide, FILES / perCommit, perCommit);
  log(`checkpoint: ${count(FILES)} files`);
  const wideFigures = await checkpoints(`checkpoint of ${count(FILES)} files`, wide);
  await rm(wide, { recursive: true, force: true });

  const long = path.join(work, 'long');
  await syntheticLog(long, COMMITS, 1);
  log(`checkpoint: ${count(COMMITS)} commits`);
  const longFigures = await checkpoints(`checkpoint of ${count(COMMITS)} commits`, long);

  // Loads of the same table from its JSON commits, and with Aquifer's checkpoint at the last version.
  const longCheckpointed = path.join(work, 'long-checkpointed');
  await fresh(long, longCheckpointed)();
  await aquifer('checkpoint', { table: longCheckpointed });
  log(`load: ${count(COMMITS)} commits`);
  const last: Record<string, Measured> = {};
  const stateOf = (m: Measured) => ({ version: m['version'], files: m['files'], pathsDigest: m['pathsDigest'] });
  const loads = await writeRounds(
    'load',
    {
      'Aquifer, JSON': { run: async () => (last['Aquifer, JSON'] = await aquifer('load', { table: long })) },
      'delta-rs, JSON': { run: async () => (last['delta-rs, JSON'] = await deltaRs('load', long)) },
      'Aquifer, checkpoint': { run: async () => (last['Aquifer, checkpoint'] = await aquifer('load', { table: longCheckpointed })) },
      'delta-rs, checkpoint': { run: async () => (last['delta-rs, checkpoint'] = await deltaRs('load', longCheckpointed)) },
    },
    RUNS,
    async () => assertAgree('load: the snapshot each reader loads', Object.fromEntries(Object.entries(last).map(([name, m]) => [name, stateOf(m)]))),
  );
  const load = (name: string) => medianRun(loads[name] ?? []);
  const row = (measure: string, ours: Measured, theirs: Measured, oursRuns: Measured[], theirsRuns: Measured[]) => [
    measure,
    ratio(theirs.ms / ours.ms),
    seconds(ours.ms),
    seconds(theirs.ms),
    `${mib(ours.peakRss)} / ${mib(theirs.peakRss)}`,
    `${spread(oursRuns)}; ${spread(theirsRuns)}`,
  ];
  console.log(
    `### Checkpoint of a ${count(FILES)}-file table and of a ${count(COMMITS)}-commit log; snapshot load of the ${count(COMMITS)}-commit table (median of ${RUNS} interleaved runs)\n`,
  );
  console.log(
    table(
      ['measure', 'delta-rs time / Aquifer', 'Aquifer', 'delta-rs', 'peak RSS Aquifer / delta-rs', 'runs (s): Aquifer; delta-rs'],
      [
        row(
          `checkpoint, ${count(FILES)} files in ${count(FILES / perCommit)} commits (load the log, write the Parquet checkpoint)`,
          wideFigures.ours,
          wideFigures.theirs,
          wideFigures.oursRuns,
          wideFigures.theirsRuns,
        ),
        row(
          `checkpoint, ${count(COMMITS)} commits of one file each, none checkpointed before`,
          longFigures.ours,
          longFigures.theirs,
          longFigures.oursRuns,
          longFigures.theirsRuns,
        ),
        row(
          `snapshot load, ${count(COMMITS)} JSON commits`,
          load('Aquifer, JSON'),
          load('delta-rs, JSON'),
          loads['Aquifer, JSON'] ?? [],
          loads['delta-rs, JSON'] ?? [],
        ),
        row(
          `snapshot load, ${count(COMMITS)} commits with Aquifer's checkpoint at the last (both readers read the same checkpoint)`,
          load('Aquifer, checkpoint'),
          load('delta-rs, checkpoint'),
          loads['Aquifer, checkpoint'] ?? [],
          loads['delta-rs, checkpoint'] ?? [],
        ),
      ],
    ) + '\n',
  );
}

await rm(work, { recursive: true, force: true });
engine.close();
