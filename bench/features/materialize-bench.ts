import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { quoteLiteral, type Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { runsFrom } from '../ingest/rounds.js';
import { log, median } from '../table/measure.js';
import { feastInfo, onlineData, scratchDir, SERVE_FEATURES } from './data.js';
import { feastOnline, type FeastOnlineResult } from './feast-online.js';
import type { MaterializeRunConfig, MaterializeRunResult, MaterializeStoreConfig } from './materialize-child.js';
import { runTs } from './processes.js';

export const MATERIALIZE_ROWS = Number(process.env['BENCH_MATERIALIZE_ROWS'] ?? 1_000_000);
/** Timed runs of every contender, Feast included (BENCH_MATERIALIZE_RUNS), after one untimed agreement round. */
export const MATERIALIZE_RUNS = runsFrom('BENCH_MATERIALIZE_RUNS', 3, 1);
const VIEW = 'mat_stats';

export interface MaterializeCase {
  ms: number;
  spread: [number, number];
  rowsPerSecond: number;
  /** Peak RSS of the process, median over the runs, bytes. */
  peakRss: number;
  samples: number[];
}

export type MaterializeContender = 'aquifer-lmdb' | 'feast-sqlite' | 'raw-lmdb' | 'aquifer-redis' | 'feast-redis' | 'raw-redis' | 'aquifer-none';

export interface MaterializeFigures {
  rows: number;
  runs: number;
  feastVersion: string;
  cases: Partial<Record<MaterializeContender, MaterializeCase>>;
  /** Why Feast on Redis is missing, when it is. */
  feastRedisMissing?: string;
  /** From the agreement round, before anything was timed: each store read back whole, against Feast's (EXCEPT ALL both ways). */
  agreement: { entities: number; results: Record<string, { rows: number; onlyThis: number; onlyFeast: number }> };
}

interface Run {
  ms: number;
  maxRssKb: number;
}

interface Contender {
  name: MaterializeContender;
  /** Empties this contender's store (not timed). */
  prepare: () => Promise<void>;
  run: (dump?: string) => Promise<Run>;
  /** Which Feast store its read-back is compared with (Feast's own contenders have none). */
  against?: MaterializeContender;
}

/** Every entity's values, typed alike on both sides, for EXCEPT ALL. */
function typed(from: string): string {
  const features = SERVE_FEATURES.map((f) => `CAST("${f.name}" AS ${f.type === 'double' ? 'DOUBLE' : 'BIGINT'}) AS "${f.name}"`);
  return `SELECT CAST(driver_id AS BIGINT) AS driver_id, CAST(event_ts AS TIMESTAMPTZ) AS event_ts, ${features.join(', ')} FROM ${from}`;
}

function ndjson(file: string): string {
  const columns = ["driver_id: 'BIGINT'", "event_ts: 'VARCHAR'", ...SERVE_FEATURES.map((f) => `${f.name}: '${f.type === 'double' ? 'DOUBLE' : 'BIGINT'}'`)];
  return `read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = {${columns.join(', ')}})`;
}

/**
 * FeatureStore.materialize of a view of MATERIALIZE_ROWS rows (one per entity, so every
 * row read is written) into an empty LMDB and an empty Redis, against Feast's
 * store.materialize of the same rows (its Parquet file, DuckDB offline store) into an
 * empty sqlite and the same Redis, and against the same rows written raw (LMDB putSync in
 * one transaction, Redis pipelined SET); Aquifer into a store that keeps nothing shows
 * the read side alone. Every run is a process of its own. One untimed round first: every
 * store is then read back whole (Aquifer's through onlineFeatures, Feast's through
 * get_online_features) and must hold exactly Feast's values, or the benchmark stops; then
 * every contender runs MATERIALIZE_RUNS times, interleaved, the order rotating.
 */
export async function materializeBench(engine: Engine, redisUrl: string | undefined): Promise<MaterializeFigures> {
  const data = await onlineData(engine, VIEW, MATERIALIZE_ROWS);
  const work = path.join(scratchDir(), 'materialize');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const project = await Project.init(path.join(work, 'project'), 'bench-materialize');
  const feast = feastInfo();
  const dir = (name: string) => path.join(work, name);
  const removed = (name: string) => () => rm(dir(name), { recursive: true, force: true });
  const redis = redisUrl === undefined ? undefined : new Redis(redisUrl);
  const flush = async () => {
    await redis?.flushall();
  };
  const aquifer = (mode: 'aquifer' | 'raw', store: MaterializeStoreConfig) => async (dump?: string) => {
    const config: MaterializeRunConfig = {
      mode,
      store,
      project: project.root,
      view: VIEW,
      table: data.table,
      parquet: data.parquet,
      rows: MATERIALIZE_ROWS,
      ...(dump === undefined ? {} : { dump }),
    };
    const result = await runTs<MaterializeRunResult>('materialize-child.ts', config, { timeoutMs: 60 * 60_000 });
    if (result.written !== MATERIALIZE_ROWS) throw new Error(`${mode} into ${store.type} wrote ${result.written} rows, expected ${MATERIALIZE_ROWS}`);
    if (dump !== undefined && (result.notFound !== 0 || (result.wrongTypes?.length ?? 0) > 0))
      throw new Error(`${mode} into ${store.type}, read back: ${result.notFound} values not found; wrong types ${JSON.stringify(result.wrongTypes)}`);
    return result;
  };
  const feastRun = (store: 'sqlite' | 'redis') => async (dump?: string) => {
    const online = store === 'sqlite' ? { type: 'sqlite' as const } : { type: 'redis' as const, connection: new URL(redisUrl as string).host };
    const result: FeastOnlineResult = await feastOnline(data, VIEW, dir(`feast-${store}`), online, dump);
    if (dump !== undefined && (result.dumped !== MATERIALIZE_ROWS || result.notFound !== 0 || result.wrongTypeCount !== 0))
      throw new Error(`Feast ${store}, read back: ${JSON.stringify(result)}`);
    return { ms: result.materializeMs, maxRssKb: result.maxRssKb };
  };
  const contenders: Contender[] = [
    { name: 'aquifer-lmdb', prepare: removed('lmdb'), run: aquifer('aquifer', { type: 'lmdb', path: dir('lmdb') }), against: 'feast-sqlite' },
    { name: 'feast-sqlite', prepare: removed('feast-sqlite'), run: feastRun('sqlite') },
    { name: 'raw-lmdb', prepare: removed('raw-lmdb'), run: aquifer('raw', { type: 'lmdb', path: dir('raw-lmdb') }), against: 'feast-sqlite' },
  ];
  if (redisUrl !== undefined) {
    const store = { type: 'redis', url: redisUrl, prefix: 'aquifer:bench-materialize' } as const;
    contenders.push({ name: 'aquifer-redis', prepare: flush, run: aquifer('aquifer', store), against: feast.redis ? 'feast-redis' : 'feast-sqlite' });
    if (feast.redis)
      contenders.push({
        name: 'feast-redis',
        prepare: async () => {
          await removed('feast-redis')();
          await flush();
        },
        run: feastRun('redis'),
      });
    contenders.push({ name: 'raw-redis', prepare: flush, run: aquifer('raw', store), against: feast.redis ? 'feast-redis' : 'feast-sqlite' });
  }
  contenders.push({ name: 'aquifer-none', prepare: async () => {}, run: aquifer('aquifer', { type: 'none' }) });
  const results = new Map<MaterializeContender, Run[]>(contenders.map((c) => [c.name, []]));
  try {
    log(
      `materialize: ${MATERIALIZE_ROWS.toLocaleString('en-US')} rows; an agreement round (every store read back whole), then ${MATERIALIZE_RUNS} timed runs of each of ${contenders.length} contenders`,
    );
    const dumps = new Map<MaterializeContender, string>();
    let agreement: MaterializeFigures['agreement'] | undefined;
    for (let round = -1; round < MATERIALIZE_RUNS; round++) {
      const shift = Math.max(0, round) % contenders.length;
      for (const contender of [...contenders.slice(shift), ...contenders.slice(0, shift)]) {
        await contender.prepare();
        const dump =
          round < 0 && contender.name !== 'aquifer-none' ? dir(`${contender.name}.${contender.name.startsWith('feast') ? 'parquet' : 'ndjson'}`) : undefined;
        if (dump !== undefined) dumps.set(contender.name, dump);
        const result = await contender.run(dump);
        if (round >= 0) results.get(contender.name)?.push(result);
        log(
          `materialize ${round < 0 ? 'agreement round' : `round ${round + 1} of ${MATERIALIZE_RUNS}`}: ${contender.name} ${(result.ms / 1000).toFixed(2)} s, peak RSS ${(result.maxRssKb / 2 ** 20).toFixed(2)} GiB`,
        );
      }
      if (round < 0) agreement = await agree(engine, contenders, dumps);
    }
    await flush();
    const cases: MaterializeFigures['cases'] = {};
    for (const [name, runs] of results) {
      const samples = runs.map((r) => r.ms);
      const ms = median(samples);
      cases[name] = {
        ms,
        spread: [Math.min(...samples), Math.max(...samples)],
        rowsPerSecond: MATERIALIZE_ROWS / (ms / 1000),
        peakRss: median(runs.map((r) => r.maxRssKb * 1024)),
        samples,
      };
    }
    return {
      rows: MATERIALIZE_ROWS,
      runs: MATERIALIZE_RUNS,
      feastVersion: feast.version,
      cases,
      ...(redisUrl !== undefined && !feast.redis ? { feastRedisMissing: 'the Python redis client (feast[redis]) is not installed' } : {}),
      ...(redisUrl === undefined ? { feastRedisMissing: 'no redis-server' } : {}),
      agreement: agreement as MaterializeFigures['agreement'],
    };
  } finally {
    await redis?.quit();
    await rm(work, { recursive: true, force: true });
  }
}

/** Every store read back whole must hold exactly its Feast counterpart's values (EXCEPT ALL both ways, typed alike), or the benchmark stops. */
async function agree(
  engine: Engine,
  contenders: readonly Contender[],
  dumps: ReadonlyMap<MaterializeContender, string>,
): Promise<MaterializeFigures['agreement']> {
  log('materialize: comparing every store, read back whole, with Feast’s (EXCEPT ALL both ways) before timing');
  const results: MaterializeFigures['agreement']['results'] = {};
  for (const contender of contenders) {
    if (contender.against === undefined) continue;
    const ours = typed(ndjson(dumps.get(contender.name) as string));
    const theirs = typed(`read_parquet(${quoteLiteral(dumps.get(contender.against) as string)})`);
    const nulls = (sql: string) =>
      `(SELECT count(*) FROM (${sql}) WHERE ${['driver_id', 'event_ts', ...SERVE_FEATURES.map((f) => f.name)].map((c) => `"${c}" IS NULL`).join(' OR ')})`;
    const [row] = await engine.query(`SELECT
      (SELECT count(*) FROM (${ours})) AS ours,
      (SELECT count(*) FROM (${theirs})) AS theirs,
      ${nulls(ours)} + ${nulls(theirs)} AS nulls,
      (SELECT count(*) FROM ((${ours}) EXCEPT ALL (${theirs}))) AS only_ours,
      (SELECT count(*) FROM ((${theirs}) EXCEPT ALL (${ours}))) AS only_theirs`);
    const result = { rows: Number(row?.['ours']), onlyThis: Number(row?.['only_ours']), onlyFeast: Number(row?.['only_theirs']) };
    results[`${contender.name} against ${contender.against}`] = result;
    const feastRows = Number(row?.['theirs']);
    if (result.onlyThis !== 0 || result.onlyFeast !== 0 || result.rows !== MATERIALIZE_ROWS || feastRows !== MATERIALIZE_ROWS || Number(row?.['nulls']) !== 0) {
      const sample = await engine.queryJson(`SELECT * FROM ((${ours}) EXCEPT ALL (${theirs})) ORDER BY driver_id LIMIT 3`);
      const theirSample = await engine.queryJson(`SELECT * FROM ((${theirs}) EXCEPT ALL (${ours})) ORDER BY driver_id LIMIT 3`);
      throw new Error(
        `${contender.name}'s store and ${contender.against}'s differ, so nothing is timed: ${JSON.stringify(result)}, Feast's ${feastRows} rows, ${Number(row?.['nulls'])} NULLs; only in ${contender.name}'s, e.g. ${JSON.stringify(sample)}; only in Feast's, e.g. ${JSON.stringify(theirSample)}`,
      );
    }
  }
  return { entities: MATERIALIZE_ROWS, results };
}
