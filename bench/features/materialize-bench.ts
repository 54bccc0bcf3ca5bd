import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { open } from 'lmdb';
import type { Engine } from '../../src/engine/index.js';
import {
  entityKey,
  FeatureStore,
  LmdbOnlineStore,
  RedisOnlineStore,
  type FeatureRepository,
  type OnlineRow,
  type OnlineStore,
} from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { runsFrom, type Contender } from '../ingest/rounds.js';
import { log, median, timed } from '../table/measure.js';
import { DRIVER, onlineData, onlineView, scratchDir, SERVE_FEATURES, WINDOW, type OnlineData } from './data.js';

export const MATERIALIZE_ROWS = Number(process.env['BENCH_MATERIALIZE_ROWS'] ?? 1_000_000);
export const MATERIALIZE_RUNS = runsFrom('BENCH_MATERIALIZE_RUNS', 3, 1);
const VIEW = 'mat_stats';
const BATCH = 10_000;

export interface MaterializeCase {
  ms: number;
  spread: [number, number];
  rowsPerSecond: number;
}

export interface MaterializeFigures {
  rows: number;
  runs: number;
  lmdb: { aquifer: MaterializeCase; raw: MaterializeCase };
  redis?: { aquifer: MaterializeCase; raw: MaterializeCase };
  /** FeatureStore.materialize into a store that keeps nothing: DuckDB's query and the rows built in JavaScript. */
  noop: MaterializeCase;
}

/** A store that accepts every row and keeps nothing: what materialize costs before any store. */
class NullStore implements OnlineStore {
  async write(_view: string, rows: readonly OnlineRow[]): Promise<number> {
    return rows.length;
  }
  async replace(): Promise<void> {}
  async read(_view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]> {
    return keys.map(() => undefined);
  }
  async getMeta(): Promise<string | undefined> {
    return undefined;
  }
  async setMeta(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * The rows materialize writes, built up front for the raw contenders: the same keys and
 * the same OnlineRow values (event and created time in epoch ms, the 10 features).
 */
async function onlineRows(engine: Engine, data: OnlineData): Promise<OnlineRow[]> {
  const features = SERVE_FEATURES.map((f) => f.name);
  const rows = await engine.query(
    `SELECT driver_id, epoch_ms(event_ts) AS e, epoch_ms(created_ts) AS c, ${features.join(', ')} FROM read_parquet('${data.parquet}') ORDER BY driver_id`,
  );
  return rows.map((row) => {
    const values: Record<string, unknown> = {};
    for (const f of features) values[f] = typeof row[f] === 'bigint' ? Number(row[f]) : row[f];
    return { key: entityKey([String(row['driver_id'])]), eventTs: Number(row['e']), createdTs: Number(row['c']), values };
  });
}

type Timed = { ms: number; samples: number[] };
const figures = (rows: number, r: Timed): MaterializeCase => ({
  ms: r.ms,
  spread: [Math.min(...r.samples), Math.max(...r.samples)],
  rowsPerSecond: rows / (r.ms / 1000),
});

/**
 * `runs` rounds with no warm-up round (each run is long, and starts from an empty store);
 * contenders alternate within a round and their order rotates between rounds.
 */
async function alternate(contenders: Record<string, Contender<void>>, runs: number): Promise<Record<string, Timed>> {
  const names = Object.keys(contenders);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let round = 0; round < runs; round++) {
    for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
      const contender = contenders[name] as Contender<void>;
      await contender.prepare?.();
      const { ms } = await timed(contender.run);
      samples.get(name)?.push(ms);
      log(`materialize round ${round + 1}: ${name} ${(ms / 1000).toFixed(2)} s`);
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ms: median(samples.get(n) ?? []), samples: samples.get(n) ?? [] }]));
}

/**
 * FeatureStore.materialize of a 1M-row view (one row per entity, so every row read is
 * written) into a fresh LMDB and an empty Redis, against the same rows written raw: LMDB
 * putSync in one transaction, Redis pipelined SET.
 */
export async function materializeBench(engine: Engine, redisUrl: string | undefined): Promise<MaterializeFigures> {
  const data = await onlineData(engine, VIEW, MATERIALIZE_ROWS);
  const work = path.join(scratchDir(), 'materialize');
  await rm(work, { recursive: true, force: true });
  const project = await Project.init(path.join(work, 'project'), 'bench-materialize');
  const repository: FeatureRepository = { entities: [DRIVER], featureViews: [onlineView(VIEW, data.table)] };
  const rows = await onlineRows(engine, data);
  const lmdbDir = path.join(work, 'lmdb');
  const check = (what: string, written: number) => {
    if (written !== MATERIALIZE_ROWS) throw new Error(`${what} wrote ${written} rows, expected ${MATERIALIZE_ROWS}`);
  };
  try {
    log(`materialize: ${MATERIALIZE_ROWS.toLocaleString('en-US')} rows, ${MATERIALIZE_RUNS} runs`);
    const materialize = async (online: OnlineStore, what: string) => {
      const store = new FeatureStore(project, engine, repository, online);
      try {
        const [result] = await store.materialize(WINDOW.start, WINDOW.end);
        check(what, result?.written ?? 0);
      } finally {
        await online.close();
      }
    };
    const lmdb = await alternate(
      {
        aquifer: {
          prepare: () => rm(lmdbDir, { recursive: true, force: true }),
          run: async () => {
            await materialize(LmdbOnlineStore.open(lmdbDir), 'FeatureStore.materialize into LMDB');
          },
        },
        raw: {
          prepare: () => rm(lmdbDir, { recursive: true, force: true }),
          run: async () => {
            // The same environment options as LmdbOnlineStore; opening is part of both.
            const db = open<OnlineRow, string>({ path: lmdbDir, compression: false });
            db.transactionSync(() => {
              for (const row of rows) db.putSync(`${VIEW}\u0000${row.key}`, row);
            });
            check('raw LMDB', db.getKeysCount());
            await db.close();
          },
        },
        noop: { run: () => materialize(new NullStore(), 'FeatureStore.materialize into a null store') },
      },
      MATERIALIZE_RUNS,
    );
    await rm(lmdbDir, { recursive: true, force: true });
    let redis: MaterializeFigures['redis'];
    if (redisUrl !== undefined) {
      const client = new Redis(redisUrl);
      const prefix = 'aquifer:bench-materialize';
      const flush = async () => {
        await client.flushall();
      };
      const keys = rows.map((row) => `${prefix}:${VIEW}:${row.key}`);
      const counted = async (what: string) => check(what, await client.dbsize());
      try {
        const r = await alternate(
          {
            aquifer: {
              prepare: flush,
              run: async () => {
                await materialize(RedisOnlineStore.connect(redisUrl, prefix), 'FeatureStore.materialize into Redis');
                // dbsize counts the materialized-until marker too.
                check('FeatureStore.materialize into Redis', (await client.dbsize()) - 1);
              },
            },
            raw: {
              prepare: flush,
              run: async () => {
                // Pipelines of 10,000 SETs, one after the other, as materialize batches its rows.
                for (let start = 0; start < rows.length; start += BATCH) {
                  const pipeline = client.pipeline();
                  for (let i = start; i < Math.min(rows.length, start + BATCH); i++) pipeline.set(keys[i] as string, JSON.stringify(rows[i]));
                  await pipeline.exec();
                }
                await counted('raw Redis');
              },
            },
          },
          MATERIALIZE_RUNS,
        );
        redis = { aquifer: figures(MATERIALIZE_ROWS, r['aquifer'] as Timed), raw: figures(MATERIALIZE_ROWS, r['raw'] as Timed) };
        await flush();
      } finally {
        await client.quit();
      }
    }
    return {
      rows: MATERIALIZE_ROWS,
      runs: MATERIALIZE_RUNS,
      lmdb: { aquifer: figures(MATERIALIZE_ROWS, lmdb['aquifer'] as Timed), raw: figures(MATERIALIZE_ROWS, lmdb['raw'] as Timed) },
      ...(redis === undefined ? {} : { redis }),
      noop: figures(MATERIALIZE_ROWS, lmdb['noop'] as Timed),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
