/**
 * One materialization run in its own process (`node --import tsx materialize-child.ts
 * CONFIG`), as Feast's runs are, so neither side gains a warm process: Aquifer's
 * `FeatureStore.materialize` of the view into an empty online store (LMDB, Redis or one
 * that keeps nothing), or the same rows written raw (LMDB putSync in one transaction,
 * Redis pipelined SET), built before the timer starts. With `dump`, every entity is then
 * read back through Aquifer's `onlineFeatures` (not timed) and written as NDJSON, for the
 * comparison with Feast's store. Prints one JSON object (MaterializeRunResult).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { open } from 'lmdb';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
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
import { peakRssBytes } from '../table/peak-rss.js';
import { DRIVER, onlineView, SERVE_FEATURES, WINDOW } from './data.js';

export type MaterializeStoreConfig = { type: 'lmdb'; path: string } | { type: 'redis'; url: string; prefix: string } | { type: 'none' };

export interface MaterializeRunConfig {
  mode: 'aquifer' | 'raw';
  store: MaterializeStoreConfig;
  project: string;
  view: string;
  table: string;
  parquet: string;
  rows: number;
  /** Where to write every entity's values read back through Aquifer, as NDJSON. */
  dump?: string;
}

export interface MaterializeRunResult {
  ms: number;
  written: number;
  maxRssKb: number;
  /** With `dump`: entities not found, and values whose JavaScript type is not their feature's. */
  notFound?: number;
  wrongTypes?: string[];
}

const BATCH = 10_000;
const CHUNK = 10_000;

/** A store that accepts every row and keeps nothing: what materialize costs before any store. */
class NullStore implements OnlineStore {
  async write(_view: string, rows: readonly OnlineRow[]): Promise<number> {
    return rows.length;
  }
  async replace(): Promise<void> {}
  async read(_view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]> {
    return keys.map(() => undefined);
  }
  async delete(): Promise<number> {
    return 0;
  }
  async getMeta(): Promise<string | undefined> {
    return undefined;
  }
  async setMeta(): Promise<void> {}
  async close(): Promise<void> {}
}

function openStore(config: MaterializeStoreConfig): OnlineStore {
  if (config.type === 'lmdb') return LmdbOnlineStore.open(config.path);
  if (config.type === 'redis') return RedisOnlineStore.connect(config.url, config.prefix);
  return new NullStore();
}

/** The rows materialize writes (event and created time in epoch ms, the 10 features), for the raw contenders. */
async function onlineRows(engine: Engine, parquet: string): Promise<OnlineRow[]> {
  const features = SERVE_FEATURES.map((f) => f.name);
  const rows = await engine.query(
    `SELECT driver_id, epoch_ms(event_ts) AS e, epoch_ms(created_ts) AS c, ${features.join(', ')} FROM read_parquet(${quoteLiteral(parquet)}) ORDER BY driver_id`,
  );
  return rows.map((row) => {
    const values: Record<string, unknown> = {};
    for (const f of features) values[f] = typeof row[f] === 'bigint' ? Number(row[f]) : row[f];
    return { key: entityKey([String(row['driver_id'])]), eventTs: Number(row['e']), createdTs: Number(row['c']), values };
  });
}

async function rawWrite(config: MaterializeRunConfig, rows: readonly OnlineRow[]): Promise<number> {
  const { store } = config;
  if (store.type === 'lmdb') {
    // The same environment options as LmdbOnlineStore; opening is part of the time, as on Aquifer's side.
    const db = open<OnlineRow, string>({ path: store.path, compression: false });
    db.transactionSync(() => {
      for (const row of rows) db.putSync(`${config.view}\u0000${row.key}`, row);
    });
    const written = db.getKeysCount();
    await db.close();
    return written;
  }
  if (store.type === 'redis') {
    const client = new Redis(store.url);
    // Pipelines of 10,000 SETs, one after the other, as materialize batches its rows.
    for (let start = 0; start < rows.length; start += BATCH) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(rows.length, start + BATCH); i++) {
        const row = rows[i] as OnlineRow;
        pipeline.set(`${store.prefix}:${config.view}:${row.key}`, JSON.stringify(row));
      }
      await pipeline.exec();
    }
    const written = await client.dbsize();
    await client.quit();
    return written;
  }
  throw new Error('a raw write needs a store that keeps its rows');
}

/**
 * Every entity 1..rows read back through `onlineFeatures`, one NDJSON line each: driver_id,
 * the event time as served, each feature's value. Long features must come back as
 * integers, doubles as numbers; anything else is reported.
 */
async function dump(store: FeatureStore, config: MaterializeRunConfig, file: string): Promise<{ notFound: number; wrongTypes: string[] }> {
  const out = createWriteStream(file);
  let notFound = 0;
  const wrongTypes: string[] = [];
  const features = SERVE_FEATURES.map((f) => `${config.view}:${f.name}`);
  for (let first = 1; first <= config.rows; first += CHUNK) {
    const ids = Array.from({ length: Math.min(CHUNK, config.rows - first + 1) }, (_, i) => first + i);
    const response = await store.onlineFeatures({ features, entities: { driver_id: ids } });
    const names = response.metadata.feature_names;
    const columns = SERVE_FEATURES.map((f) => response.results[names.indexOf(f.name)]);
    const lines: string[] = [];
    ids.forEach((id, i) => {
      const line: Record<string, unknown> = { driver_id: id, event_ts: columns[0]?.event_timestamps[i] };
      SERVE_FEATURES.forEach((f, c) => {
        const column = columns[c];
        const value = column?.values[i];
        if (column?.statuses[i] !== 'PRESENT') notFound++;
        else if (column.event_timestamps[i] !== line['event_ts']) wrongTypes.push(`${id} ${f.name}: event time ${column.event_timestamps[i]}`);
        const typed = f.type === 'long' ? typeof value === 'bigint' || Number.isInteger(value) : typeof value === 'number';
        if (!typed && wrongTypes.length < 10) wrongTypes.push(`${id} ${f.name}: ${typeof value} ${String(value)}`);
        line[f.name] = typed ? (typeof value === 'bigint' ? Number(value) : value) : null;
      });
      lines.push(JSON.stringify(line));
    });
    if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { notFound, wrongTypes };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as MaterializeRunConfig;
  const engine = await Engine.create();
  try {
    const project = await Project.open(config.project);
    const repository: FeatureRepository = { entities: [DRIVER], featureViews: [onlineView(config.view, config.table)] };
    const rows = config.mode === 'raw' ? await onlineRows(engine, config.parquet) : [];
    const start = performance.now();
    let written: number;
    if (config.mode === 'raw') {
      written = await rawWrite(config, rows);
    } else {
      const online = openStore(config.store);
      try {
        const [result] = await new FeatureStore(project, engine, repository, online).materialize(WINDOW.start, WINDOW.end);
        written = result?.written ?? 0;
      } finally {
        await online.close();
      }
    }
    const ms = performance.now() - start;
    const result: MaterializeRunResult = { ms, written, maxRssKb: peakRssBytes() / 1024 };
    if (config.dump !== undefined) {
      // Read back through Aquifer's own read path, whichever contender wrote the store.
      const online = openStore(config.store);
      try {
        Object.assign(result, await dump(new FeatureStore(project, engine, repository, online), config, config.dump));
      } finally {
        await online.close();
      }
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    engine.close();
  }
}

await main();
