import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/index.js';
import { startRedis, type RedisService } from '../../test/support/services.js';
import { log } from '../table/measure.js';
import { feastInfo, REPO_ROOT } from './data.js';
import { materializeBench, type MaterializeCase, type MaterializeContender, type MaterializeFigures } from './materialize-bench.js';
import { serveBench, type ServeFigures } from './serve-bench.js';
import { trainingBench, type TrainingFigures } from './training-bench.js';

// `tsx bench/features/run.ts [serve] [training] [materialize]`: all three when none is named.
const asked = process.argv.slice(2);
const wants = (name: string) => asked.length === 0 || asked.includes(name);

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`;
const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
const x = (value: number) => `${value.toFixed(2)}×`;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function serveReport(f: ServeFigures): string {
  const out: string[] = [
    `Online serving: ${count(f.entities)} entities, 10 features (5 DOUBLE, 5 BIGINT) in one view; ${f.clients} keep-alive clients in a closed loop, 1 s warm-up + ${f.seconds} s per run, median of ${f.runs} interleaved runs per server, the order rotating; Feast with ${f.feastWorkers} gunicorn worker(s)`,
  ];
  const goals: string[][] = [];
  const details: string[] = [];
  for (const b of f.backends) {
    const names: Record<string, string> = {
      aquifer: `Aquifer \`startServer\` (${b.backend === 'lmdb' ? 'LMDB' : 'Redis'})`,
      raw: `limit: ${b.backend === 'lmdb' ? 'raw node:http + LMDB getMany' : 'raw node:http + Redis MGET'}`,
      feast: `Feast \`feast serve\` (${b.feastStore})`,
    };
    const rows: string[][] = [];
    for (const [shape, contenders] of Object.entries(b.shapes)) {
      for (const [name, c] of Object.entries(contenders)) {
        rows.push([
          `${shape} × 10`,
          names[name] ?? name,
          count(c.requestsPerSecond),
          `${count(c.spread[0])} – ${count(c.spread[1])}`,
          ms(c.p50Ms),
          ms(c.p99Ms),
          count(c.responseBytes),
        ]);
      }
      const a = contenders.aquifer;
      const r = contenders.raw;
      const feast = contenders.feast;
      if (a !== undefined && r !== undefined) {
        goals.push([
          b.backend === 'lmdb' ? 'LMDB (Feast: sqlite)' : 'Redis',
          `${shape} × 10`,
          feast === undefined ? 'n/a' : x(a.requestsPerSecond / feast.requestsPerSecond),
          feast === undefined ? 'n/a' : x(feast.p99Ms / a.p99Ms),
          x(a.p99Ms / r.p99Ms),
          x(a.requestsPerSecond / r.requestsPerSecond),
        ]);
      }
    }
    details.push('', table(['entities × features', 'server', 'requests/s (median)', 'slowest – fastest run', 'p50', 'p99', 'response bytes'], rows));
    if (b.feastStore.startsWith('none')) details.push('', `Feast on Redis: ${b.feastStore}.`);
  }
  out.push(
    '',
    table(
      [
        'online store',
        'request',
        'requests/s Aquifer / Feast (goal ≥ 10)',
        'p99 Feast / Aquifer',
        'p99 Aquifer / raw (goal ≤ 1.5)',
        'requests/s Aquifer / raw',
      ],
      goals,
    ),
    ...details,
    '',
    `Agreement, checked before the load: every entity's answer (${f.backends.map((b) => `${b.backend} ${count(b.agreedEntities)}`).join(', ')}) asked through the HTTP servers in batches of 1,000 plus one unknown entity; Aquifer and Feast gave the same names, values, statuses and event times, the raw server the same stored values.`,
  );
  return out.join('\n');
}

function trainingReport(f: TrainingFigures): string {
  const feast = f.feast.ms;
  const row = (name: string, c: TrainingFigures['aquiferSave'], like = true) => [
    name,
    like ? x(feast / c.ms) : `(${x(feast / c.ms)})`,
    seconds(c.ms),
    `${seconds(c.spread[0])} – ${seconds(c.spread[1])}`,
    gib(c.peakRss),
  ];
  const agreed = Object.entries(f.agreement.results)
    .map(([name, r]) => `${name} ${count(r.rows)} (only there ${count(r.onlyThis)}, only in Feast's ${count(r.onlyFeast)})`)
    .join('; ');
  return [
    `Training set: ${count(f.entityRows)} entity rows × ${f.views} feature views of ${count(f.viewRows)} rows (${f.features} features); median of ${f.runs} interleaved runs per contender (Feast too), each in a fresh process, after one untimed round whose results had to agree`,
    '',
    table(
      ["contender (from the entity rows' Parquet file to the result on disk)", 'Feast time / this', 'time (median)', 'fastest – slowest', 'peak RSS'],
      [
        row('Aquifer `historicalFeatures(...).save(dir)`: a Delta table, entity order kept, durable', f.aquiferSave),
        row("Aquifer `historicalFeatures(...)`, its SQL COPY'd to one Parquet file, entity order kept (no fsync)", f.aquiferParquet),
        row('Feast `pd.read_parquet` + `get_historical_features(...).to_arrow()` (DuckDB offline store) + `pq.write_table` (no fsync)', f.feast),
        row('limit: raw DuckDB, the same ASOF joins by hand over the Parquet files, entity order kept, COPY to Parquet', f.rawOrdered),
        row('limit: raw DuckDB, the same, no ORDER BY (Feast keeps no order either)', f.rawUnordered),
        row('not like for like: Aquifer `historicalFeatures(...).count()` (nothing materialized)', f.aquiferCount, false),
      ],
    ),
    '',
    `Feast's parts (median): pd.read_parquet of the entity rows ${seconds(f.feast.readEntitiesMs)}, get_historical_features ${seconds(f.feast.planMs)}, to_arrow ${seconds(f.feast.runMs)}, pq.write_table ${seconds(f.feast.writeMs)}.`,
    `Agreement, checked before timing (EXCEPT ALL both ways over all 11 columns against Feast's ${count(f.agreement.feastRows)} rows): ${agreed}; ${count(f.agreement.nullFeatureValues)} NULL feature values (expired or missing).`,
  ].join('\n');
}

const MATERIALIZE_NAMES: Record<MaterializeContender, [string, string]> = {
  'aquifer-lmdb': ['LMDB (Feast: sqlite)', 'Aquifer `FeatureStore.materialize` from the Delta table into LMDB'],
  'feast-sqlite': ['LMDB (Feast: sqlite)', 'Feast `store.materialize` from the Parquet file (DuckDB offline store) into sqlite'],
  'raw-lmdb': ['LMDB', 'limit: raw `putSync` of the same rows in one transaction (rows built before the timer)'],
  'aquifer-redis': ['Redis', 'Aquifer `FeatureStore.materialize` from the Delta table into Redis'],
  'feast-redis': ['Redis', 'Feast `store.materialize` from the Parquet file (DuckDB offline store) into Redis'],
  'raw-redis': ['Redis', 'limit: raw pipelined SET of the same rows (pipelines of 10,000; rows built before the timer)'],
  'aquifer-none': ['none', 'not like for like: Aquifer `FeatureStore.materialize` into a store that keeps nothing (the read side alone; against Feast sqlite)'],
};

function materializeReport(f: MaterializeFigures): string {
  const feastOf = (name: MaterializeContender) =>
    name.endsWith('redis') && f.cases['feast-redis'] !== undefined ? f.cases['feast-redis'] : f.cases['feast-sqlite'];
  const rawOf = (name: MaterializeContender) => (name.endsWith('redis') ? f.cases['raw-redis'] : name.endsWith('lmdb') ? f.cases['raw-lmdb'] : undefined);
  const rows: string[][] = [];
  for (const [name, c] of Object.entries(f.cases) as [MaterializeContender, MaterializeCase][]) {
    const [store, label] = MATERIALIZE_NAMES[name];
    const feast = feastOf(name);
    const raw = rawOf(name);
    const ratio = feast === undefined ? 'n/a' : x(feast.ms / c.ms);
    rows.push([
      store,
      label,
      name === 'aquifer-none' ? `(${ratio})` : ratio,
      seconds(c.ms),
      `${seconds(c.spread[0])} – ${seconds(c.spread[1])}`,
      count(c.rowsPerSecond),
      raw === undefined || !name.startsWith('aquifer') ? '' : x(raw.ms / c.ms),
      gib(c.peakRss),
    ]);
  }
  const agreed = Object.entries(f.agreement.results)
    .map(([name, r]) => `${name} ${count(r.rows)} (only there ${count(r.onlyThis)}, only in Feast's ${count(r.onlyFeast)})`)
    .join('; ');
  return [
    `Materialization: a view of ${count(f.rows)} rows, one per entity, 10 features (5 DOUBLE, 5 BIGINT), over the same window into an empty store; median of ${f.runs} interleaved runs per contender (Feast ${f.feastVersion} too), the order rotating, each in a fresh process, after one untimed round whose stores, read back whole, had to agree`,
    '',
    table(
      [
        'online store',
        "contender (from the view's data to an online store holding every entity)",
        'Feast time / this',
        'time (median)',
        'fastest – slowest',
        'rows/s',
        'raw time / this',
        'peak RSS',
      ],
      rows,
    ),
    '',
    `All runs (s, in the order run): ${(Object.entries(f.cases) as [MaterializeContender, MaterializeCase][]).map(([name, c]) => `${name} ${c.samples.map((v) => (v / 1000).toFixed(2)).join(', ')}`).join('; ')}.`,
    ...(f.feastRedisMissing === undefined ? [] : [`Feast on Redis: none (${f.feastRedisMissing}); Aquifer's Redis rows are compared with Feast's sqlite.`]),
    `Agreement, checked before timing (every entity read back, Aquifer's stores through \`onlineFeatures\`, Feast's through \`get_online_features\`; EXCEPT ALL both ways over driver_id, event time and the 10 features, typed BIGINT, TIMESTAMPTZ, DOUBLE and BIGINT; no NULLs, no value of another type): ${agreed}.`,
  ].join('\n');
}

/** A throwaway redis-server (scripts/redis.sh), installed from Debian's packages when missing. */
async function redis(): Promise<RedisService | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    log('redis-server is missing: bash scripts/redis.sh install');
    spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'redis.sh'), 'install'], { stdio: 'inherit' });
  }
  try {
    return await startRedis();
  } catch (error) {
    log(`no Redis, so the Redis cases are skipped: ${(error as Error).message}`);
    return undefined;
  }
}

const started = Date.now();
const engine = await Engine.create();
const service = wants('serve') || wants('materialize') ? await redis() : undefined;
try {
  const duckdb = String((await engine.query('SELECT version() AS v'))[0]?.['v']);
  const feast = feastInfo();
  const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1] ?? 'n/a';
  const load = () =>
    os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  if ((os.loadavg()[0] ?? 0) > 0.5) log(`warning: the 1-minute load average is ${os.loadavg()[0]?.toFixed(2)}; other work on the machine skews these figures`);
  console.log(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; DuckDB ${duckdb}; Feast ${feast.version}; redis-server ${redisVersion}; load average at start ${load()}\n`,
  );
  if (wants('serve')) console.log(serveReport(await serveBench(engine, service?.url)) + '\n');
  if (wants('training')) console.log(trainingReport(await trainingBench(engine)) + '\n');
  if (wants('materialize')) console.log(materializeReport(await materializeBench(engine, service?.url)) + '\n');
  console.log(`Load average at the end: ${load()}; the run took ${((Date.now() - started) / 60_000).toFixed(1)} min`);
} finally {
  // A failure to stop Redis must not hide the error that ended the run.
  await service?.stop().catch((error: unknown) => log(`redis-server did not stop cleanly: ${(error as Error).message}`));
  engine.close();
}
