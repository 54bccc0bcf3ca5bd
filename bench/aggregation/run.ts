/**
 * Window aggregations (issue 6): how fast commits are folded into the online tiles, how
 * far the served aggregates trail a commit, what a served aggregate costs, and what a
 * training set with window aggregates costs, each beside its raw limit in the same run.
 *
 *   npm run bench:aggregation            (BENCH_EVENTS, BENCH_USERS, BENCH_ENTITY_ROWS to resize)
 *
 * The raw limits: DuckDB computing the same per-tile partials with the result discarded
 * (the SQL alone) plus LMDB putting as many entity records in one transaction (the store
 * alone); a plain feature view's online read through the same FeatureStore (the read
 * path without combining tiles); DuckDB's own RANGE window over the events for the
 * training set. No local peer computes window aggregates offline and online (Feast
 * leaves them to a Spark or Flink job), so the figures stand against those limits.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { open } from 'lmdb';
import { Engine } from '../../src/engine/index.js';
import { aggregationView, entityKey, FeatureStore, LmdbOnlineStore, readAggregationMeta, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { log, median, percentile } from '../table/measure.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 2_000_000);
const USERS = Number(process.env['BENCH_USERS'] ?? 20_000);
const COMMITS = 100;
const ENTITY_ROWS = Number(process.env['BENCH_ENTITY_ROWS'] ?? 1_000_000);
const START_MS = Date.parse('2024-05-01T00:00:00Z');
const SPAN_MS = 7 * 86_400_000;

const repository: FeatureRepository = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'long' }] }],
  featureViews: [
    aggregationView({
      name: 'activity',
      entities: ['user'],
      source: { kind: 'table', table: 'events', timestampField: 'ts' },
      interval: '10m',
      aggregations: [
        { function: 'count', window: '1h' },
        { function: 'sum', column: 'amount', window: '1h' },
        { function: 'avg', column: 'amount', window: '1d' },
        { function: 'max', column: 'amount', window: '1d' },
        { function: 'count_distinct', column: 'page', window: '1d' },
        { function: 'last', column: 'page', window: '1d', type: 'string' },
      ],
    }),
    {
      name: 'profile',
      entities: ['user'],
      source: { kind: 'table', table: 'profile', timestampField: 'ts' },
      features: Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, type: 'double' as const })),
    },
  ],
};

/** Events i in [from, to): users spread evenly, times spread over the span, in commit order. */
function eventsSql(from: number, to: number): { sql: string } {
  return {
    sql: `SELECT (hash(i) % ${USERS})::BIGINT AS user_id, make_timestamptz((${START_MS} + i * ${Math.floor(SPAN_MS / EVENTS)})::BIGINT * 1000) AS ts,
      (hash(i * 7) % 10000) / 100.0 AS amount, 'p' || (hash(i * 13) % 40) AS page FROM range(${from}, ${to}) t(i)`,
  };
}

const sortedPercentile = (values: readonly number[], p: number) =>
  percentile(
    [...values].sort((a, b) => a - b),
    p,
  );

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aquifer-bench-agg-'));
  const engine = await Engine.create({ threads: 2 });
  try {
    const project = await Project.init(path.join(dir, 'project'));
    log(`writing ${fmt(EVENTS)} events for ${fmt(USERS)} users in ${COMMITS} commits`);
    const perCommit = Math.ceil(EVENTS / COMMITS);
    const { table } = await DeltaTable.create(project.tablePath('events'), { engine, data: eventsSql(0, perCommit) });
    for (let c = 1; c < COMMITS; c++) await table.append(eventsSql(c * perCommit, Math.min(EVENTS, (c + 1) * perCommit)));
    await DeltaTable.create(project.tablePath('profile'), {
      engine,
      data: {
        sql: `SELECT range::BIGINT AS user_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' AS ts, ${Array.from({ length: 6 }, (_, i) => `random() AS f${i}`).join(', ')} FROM range(0, ${USERS})`,
      },
    });
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    const store = new FeatureStore(project, engine, repository, online);

    // 1. Folding: a rebuild from the whole table, and the same rows folded commit by commit.
    let t = performance.now();
    const [rebuilt] = await store.aggregate({ views: ['activity'], rebuild: true });
    const rebuildMs = performance.now() - t;
    const foldStore = LmdbOnlineStore.open(path.join(dir, 'fold-online'));
    const folding = new FeatureStore(project, engine, repository, foldStore);
    await folding.aggregate({ views: ['activity'], untilVersion: 0 });
    t = performance.now();
    const [folded] = await folding.aggregate({ views: ['activity'], maxCommits: 10 });
    const foldMs = performance.now() - t;
    const foldedRows = EVENTS - perCommit;
    await foldStore.close();
    // Raw limit: the partials query alone, then as many entity records put in one LMDB transaction.
    const scanSql = await (await table.scan()).sql();
    t = performance.now();
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE bench_partials AS SELECT user_id, (epoch_us(ts) // 600000000) AS tile, count(*) AS n, sum(amount) AS s, max(amount) AS m, list(DISTINCT page) AS d, max(struct_pack(t := epoch_us(ts), v := page)) AS l FROM (${scanSql}) GROUP BY ALL`,
    );
    const rawSqlMs = performance.now() - t;
    // The store alone: the very records the rebuild wrote, put again into a fresh LMDB in one transaction.
    const keys = Array.from({ length: USERS }, (_, u) => entityKey([u]));
    const records = (await online.read('activity', keys)).flatMap((row, i) =>
      row === undefined ? [] : [[`activity\u0000${keys[i] as string}`, row] as const],
    );
    const raw = open({ path: path.join(dir, 'raw-lmdb'), compression: false });
    t = performance.now();
    await raw.transaction(() => {
      for (const [key, row] of records) void raw.put(key, row);
    });
    const rawPutMs = performance.now() - t;
    await raw.close();
    const rawMs = rawSqlMs + rawPutMs;

    // 2. Lag: a follower polling every 250 ms; from a commit returning to its version in the tiles.
    const controller = new AbortController();
    const following = store.followAggregations({ signal: controller.signal, pollMs: 250, views: ['activity'] });
    const lags: number[] = [];
    for (let i = 0; i < 40; i++) {
      const from = EVENTS + i * 1000;
      const committed = await table.append(eventsSql(from, from + 1000));
      const start = performance.now();
      while (((await readAggregationMeta(online, 'activity'))?.version ?? -1) < committed.version) await new Promise((r) => setTimeout(r, 2));
      lags.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 50 + ((i * 37) % 200)));
    }
    controller.abort();
    await following;

    // 3. Serving: one and 100 entities, aggregates (tiles combined per request) vs a plain view.
    const at = START_MS + SPAN_MS;
    const serve = async (refs: string[], n: number) => {
      const samples: number[] = [];
      for (let i = 0; i < 2_000; i++) {
        const users = Array.from({ length: n }, (_, k) => (i * 101 + k * 7) % USERS);
        const start = performance.now();
        await store.onlineFeatures({ features: refs, entities: { user_id: users }, at });
        samples.push(performance.now() - start);
      }
      return { p50: sortedPercentile(samples, 50), p99: sortedPercentile(samples, 99) };
    };
    await store.materialize(0, at, { views: ['profile'] });
    const aggregateRefs = ['activity:*'];
    const plainRefs = ['profile:*'];
    const serving = {
      agg1: await serve(aggregateRefs, 1),
      plain1: await serve(plainRefs, 1),
      agg100: await serve(aggregateRefs, 100),
      plain100: await serve(plainRefs, 100),
    };

    // 4. Training set: entity rows at random times, all six aggregates, vs DuckDB's RANGE window alone.
    const entitySql = `SELECT (hash(i * 3) % ${USERS})::BIGINT AS user_id, make_timestamptz((${START_MS} + hash(i * 5) % ${SPAN_MS})::BIGINT * 1000) AS event_timestamp FROM range(0, ${ENTITY_ROWS}) t(i)`;
    const trainingTimes: number[] = [];
    const rangeTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      t = performance.now();
      const set = await store.historicalFeatures({ entityRows: { sql: entitySql }, features: ['activity:*'] });
      await engine.run(`CREATE OR REPLACE TEMP TABLE bench_training AS ${set.sql}`);
      trainingTimes.push(performance.now() - t);
      t = performance.now();
      // The same windows as DuckDB window functions over entity rows unioned into the events (a lower bound: no tile alignment, no distinct, no created-time order).
      await engine.run(`CREATE OR REPLACE TEMP TABLE bench_range AS SELECT * FROM (
        SELECT user_id, ts, is_entity,
          count(amount) OVER h AS c1h, sum(amount) OVER h AS s1h, avg(amount) OVER d AS a1d, max(amount) OVER d AS m1d, last(page IGNORE NULLS) OVER d AS l1d
        FROM (SELECT user_id, ts, amount, page, false AS is_entity FROM (${scanSql}) UNION ALL SELECT user_id, event_timestamp, NULL, NULL, true FROM (${entitySql}))
        WINDOW h AS (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL 1 HOUR PRECEDING AND CURRENT ROW),
               d AS (PARTITION BY user_id ORDER BY ts RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND CURRENT ROW)) WHERE is_entity`);
      rangeTimes.push(performance.now() - t);
    }
    await online.close();

    const lines = [
      `Window aggregations: ${fmt(EVENTS)} events, ${fmt(USERS)} users, 6 aggregates over 1h/1d windows in 10m tiles, 2 cores`,
      '',
      '| measure | Aquifer | raw limit | ratio |',
      '|---|---|---|---|',
      `| rebuild tiles from the table (rows/s) | ${fmt(EVENTS / (rebuildMs / 1000))} | ${fmt(EVENTS / (rawMs / 1000))} (DuckDB partials ${fmt(rawSqlMs)} ms + LMDB puts ${fmt(rawPutMs)} ms) | ${(rawMs / rebuildMs).toFixed(2)} |`,
      `| fold ${COMMITS - 1} commits incrementally (rows/s) | ${fmt(foldedRows / (foldMs / 1000))} (${folded?.commits} commits, ${fmt(folded?.entities ?? 0)} entity writes) | — | — |`,
      `| commit → served, follower polling 250 ms: p50 / p99 | ${fmt(median(lags), 1)} / ${fmt(sortedPercentile(lags, 99), 1)} ms | — | — |`,
      `| online read, 1 entity: p50 / p99 | ${fmt(serving.agg1.p50, 3)} / ${fmt(serving.agg1.p99, 3)} ms | plain view ${fmt(serving.plain1.p50, 3)} / ${fmt(serving.plain1.p99, 3)} ms | ${(serving.plain1.p99 / serving.agg1.p99).toFixed(2)} (p99) |`,
      `| online read, 100 entities: p50 / p99 | ${fmt(serving.agg100.p50, 3)} / ${fmt(serving.agg100.p99, 3)} ms | plain view ${fmt(serving.plain100.p50, 3)} / ${fmt(serving.plain100.p99, 3)} ms | ${(serving.plain100.p99 / serving.agg100.p99).toFixed(2)} (p99) |`,
      `| training set, ${fmt(ENTITY_ROWS)} entity rows (median of 3) | ${fmt(median(trainingTimes))} ms | DuckDB RANGE windows ${fmt(median(rangeTimes))} ms | ${(median(rangeTimes) / median(trainingTimes)).toFixed(2)} |`,
      '',
      `Tiles: ${fmt(rebuilt?.entities ?? 0)} entities after the rebuild. Ratios are limit time / Aquifer time (1.00 = at the limit).`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
