import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, type FeatureRepository } from '../../src/features/index.js';
import { log, median } from '../table/measure.js';
import { DRIVER, feastInfo, here, onlineData, onlineView, scratchDir, SERVE_FEATURES, venvPython, WINDOW, writeProject, type OnlineData } from './data.js';
import { feastOnline } from './feast-online.js';
import { runJson, startFeastServer, startTsServer, type Service } from './processes.js';
import { requestBody, type ServeLoadConfig, type ServeLoadResult } from './serve-load.js';
import type { ServeServerConfig } from './serve-server.js';

export const SERVE_ENTITIES = Number(process.env['BENCH_SERVE_ENTITIES'] ?? 100_000);
export const SERVE_CLIENTS = Number(process.env['BENCH_SERVE_CLIENTS'] ?? 8);
export const SERVE_SECONDS = Number(process.env['BENCH_SERVE_SECONDS'] ?? 4);
export const SERVE_RUNS = Math.max(1, Number(process.env['BENCH_SERVE_RUNS'] ?? 3));
/** Feast's gunicorn workers (1, its default). */
export const FEAST_WORKERS = Number(process.env['BENCH_FEAST_WORKERS'] ?? 1);
const WARMUP_MS = 1000;
const SHAPES = [1, 100] as const;
const VIEW = 'serve_stats';
const FEATURES = SERVE_FEATURES.map((f) => `${VIEW}:${f.name}`);

export type Contender = 'aquifer' | 'raw' | 'feast';

export interface ServeCase {
  requestsPerSecond: number;
  /** Slowest and fastest run, requests/s. */
  spread: [number, number];
  p50Ms: number;
  p99Ms: number;
  responseBytes: number;
}

export interface BackendFigures {
  backend: 'lmdb' | 'redis';
  /** Feast's online store for this backend, or why it is missing. */
  feastStore: string;
  /** By entities per request, then contender (feast absent when it could not run). */
  shapes: Record<number, Partial<Record<Contender, ServeCase>>>;
  /** Entities whose answers were compared, through the servers, before the load. */
  agreedEntities: number;
}

export interface ServeFigures {
  entities: number;
  clients: number;
  seconds: number;
  runs: number;
  feastWorkers: number;
  backends: BackendFigures[];
}

function load(url: string, entitiesPerRequest: number): Promise<ServeLoadResult> {
  const config: ServeLoadConfig = {
    url: `${url}/get-online-features`,
    concurrency: SERVE_CLIENTS,
    warmupMs: WARMUP_MS,
    durationMs: SERVE_SECONDS * 1000,
    entitiesPerRequest,
    entityCount: SERVE_ENTITIES,
    features: FEATURES,
    bodies: 256,
  };
  return runJson<ServeLoadResult>(process.execPath, ['--import', 'tsx', path.join(here, 'serve-load.ts'), JSON.stringify(config)], {
    timeoutMs: (SERVE_SECONDS + 60) * 1000,
  });
}

const rate = (r: ServeLoadResult) => (r.requests / r.elapsedMs) * 1000;
function figures(results: readonly ServeLoadResult[]): ServeCase {
  return {
    requestsPerSecond: median(results.map(rate)),
    spread: [Math.min(...results.map(rate)), Math.max(...results.map(rate))],
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    responseBytes: median(results.map((r) => r.responseBytes)),
  };
}

interface FeastResponse {
  metadata: { feature_names: string[] };
  results: { values: unknown[]; statuses: string[]; event_timestamps: string[] }[];
}

async function post(url: string, ids: readonly number[]): Promise<unknown> {
  const response = await fetch(`${url}/get-online-features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: requestBody(FEATURES, ids),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

const same = (a: unknown, b: unknown) => a === b || (a !== null && b !== null && a !== undefined && b !== undefined && Number(a) === Number(b));

/** Entities per request in the agreement check: all of them are compared, batch by batch. */
const AGREE_BATCH = 1000;

/**
 * Before anything is timed, the contenders must give the same answers for every entity
 * of the view, asked through the HTTP servers in batches of AGREE_BATCH known entities and
 * one unknown: Aquifer and Feast the same names, values, statuses and event times; the raw
 * server the same stored values. Returns the number of entities compared.
 */
async function checkAgreement(
  backend: 'lmdb' | 'redis',
  servers: Partial<Record<Contender, Service>>,
  data: OnlineData,
  feastUnknownPresent = false,
): Promise<number> {
  log(`serve ${backend}: comparing the servers' answers for all ${data.rows.toLocaleString('en-US')} entities before the load`);
  for (let first = 1; first <= data.rows; first += AGREE_BATCH) {
    const known = Array.from({ length: Math.min(AGREE_BATCH, data.rows - first + 1) }, (_, i) => first + i);
    const problems = await compareBatch(servers, [...known, data.rows + 7], feastUnknownPresent);
    if (problems.length > 0)
      throw new Error(
        `the ${backend} servers disagree (${problems.length} differences in entities ${first}–${first + known.length - 1}), so nothing is timed:\n${problems.slice(0, 10).join('\n')}`,
      );
  }
  return data.rows;
}

/** The differences between the servers' answers for `ids` (the last one unknown). */
async function compareBatch(servers: Partial<Record<Contender, Service>>, ids: readonly number[], feastUnknownPresent: boolean): Promise<string[]> {
  const aquifer = (await post((servers.aquifer as Service).url, ids)) as FeastResponse;
  const problems: string[] = [];
  const names = aquifer.metadata.feature_names;
  if (names.join() !== ['driver_id', ...SERVE_FEATURES.map((f) => f.name)].join()) problems.push(`Aquifer's feature names: ${names.join()}`);
  const last = ids.length - 1;
  if (aquifer.results[1]?.statuses[last] !== 'NOT_FOUND' || aquifer.results[1]?.statuses.slice(0, last).some((s) => s !== 'PRESENT'))
    problems.push('Aquifer statuses: expected PRESENT for every known entity, then NOT_FOUND for the unknown one');
  if (servers.feast !== undefined) {
    const feast = (await post(servers.feast.url, ids)) as FeastResponse;
    // Feast answers with the features in an order of its own: compare them by name.
    if ([...feast.metadata.feature_names].sort().join() !== [...names].sort().join())
      problems.push(`Feast's feature names: ${feast.metadata.feature_names.join()}`);
    aquifer.results.forEach((column, c) => {
      const theirs = feast.results[feast.metadata.feature_names.indexOf(names[c] as string)];
      ids.forEach((_, i) => {
        // Feast's Redis store answers an unknown entity with PRESENT (and null values), its sqlite store with NOT_FOUND.
        const statusOk = column.statuses[i] === theirs?.statuses[i] || (feastUnknownPresent && i === last && theirs?.statuses[i] === 'PRESENT');
        if (!same(column.values[i], theirs?.values[i]) || !statusOk || column.event_timestamps[i] !== theirs?.event_timestamps[i]) {
          problems.push(
            `${names[c]} of entity ${ids[i]}: Aquifer ${JSON.stringify([column.values[i], column.statuses[i], column.event_timestamps[i]])}, Feast ${JSON.stringify([theirs?.values[i], theirs?.statuses[i], theirs?.event_timestamps[i]])}`,
          );
        }
      });
    });
  }
  const raw = (await post((servers.raw as Service).url, ids)) as ({ values: Record<string, unknown> } | null)[];
  SERVE_FEATURES.forEach((feature, f) => {
    ids.forEach((_, i) => {
      const expected = aquifer.results[f + 1]?.values[i];
      const got = raw[i] === null ? null : raw[i]?.values[feature.name];
      if (!same(expected, got ?? null)) problems.push(`raw ${feature.name} of entity ${ids[i]}: ${JSON.stringify(got)}, Aquifer ${JSON.stringify(expected)}`);
    });
  });
  return problems;
}

async function measureBackend(backend: 'lmdb' | 'redis', servers: Partial<Record<Contender, Service>>): Promise<BackendFigures['shapes']> {
  const shapes: BackendFigures['shapes'] = {};
  const names = (['aquifer', 'raw', 'feast'] as const).filter((n) => servers[n] !== undefined);
  for (const shape of SHAPES) {
    const results = new Map<Contender, ServeLoadResult[]>(names.map((n) => [n, []]));
    for (let round = 0; round < SERVE_RUNS; round++) {
      // The order rotates from round to round, so drift hits every contender alike.
      for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
        const result = await load((servers[name] as Service).url, shape);
        if (result.errors > 0 || result.requests === 0)
          throw new Error(`${name} (${backend}, ${shape} entities): ${result.errors} failed requests of ${result.requests}`);
        results.get(name)?.push(result);
        log(
          `serve ${backend} ${shape}×10 round ${round + 1}: ${name} ${Math.round(rate(result))} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
        );
      }
    }
    shapes[shape] = Object.fromEntries(names.map((n) => [n, figures(results.get(n) ?? [])]));
  }
  return shapes;
}

/** Aquifer's project for the serving view, applied and materialized into its configured online store (not timed: materialization is measured on its own). */
async function aquiferMaterialize(engine: Engine, root: string, name: string, repository: FeatureRepository, redisUrl?: string): Promise<void> {
  const project = await writeProject(root, name, repository, redisUrl === undefined ? undefined : { type: 'redis', url: redisUrl });
  // The server serves the definitions as last applied, as `aquifer apply` records them.
  await new FeatureRegistry(project).apply(repository, engine);
  const store = await openAppliedFeatureStore(project, engine);
  const [result] = await store.materialize(WINDOW.start, WINDOW.end);
  await store.online?.close();
  if (result?.written !== SERVE_ENTITIES) throw new Error(`materialize wrote ${result?.written} rows of ${SERVE_ENTITIES}`);
}

async function flushRedis(url: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  await redis.flushall();
  await redis.quit();
}

/**
 * Online serving through `aquifer serve` (startServer), a raw node:http server over the
 * same store, and `feast serve`, first with the embedded stores (LMDB; Feast's sqlite),
 * then with Redis for all three.
 */
export async function serveBench(engine: Engine, redisUrl: string | undefined): Promise<ServeFigures> {
  const data = await onlineData(engine, VIEW, SERVE_ENTITIES);
  const work = path.join(scratchDir(), 'serve');
  await rm(work, { recursive: true, force: true });
  const repository: FeatureRepository = { entities: [DRIVER], featureViews: [onlineView(VIEW, data.table)] };
  const feast = feastInfo();
  const feastBin = path.join(path.dirname(venvPython()), 'feast');
  const backends: BackendFigures[] = [];
  try {
    // Embedded: LMDB against Feast's sqlite.
    {
      const root = path.join(work, 'project-lmdb');
      log(`serve: materializing ${SERVE_ENTITIES.toLocaleString('en-US')} entities into LMDB and Feast's sqlite`);
      await aquiferMaterialize(engine, root, 'bench-serve', repository);
      const feastRepo = path.join(work, 'feast-sqlite');
      await feastOnline(data, VIEW, feastRepo, { type: 'sqlite' });
      const servers: Partial<Record<Contender, Service>> = {};
      try {
        servers.aquifer = await startTsServer('serve-server.ts', { kind: 'aquifer', project: root } satisfies ServeServerConfig);
        servers.raw = await startTsServer('serve-server.ts', {
          kind: 'raw-lmdb',
          path: path.join(root, '.aquifer', 'online'),
          view: VIEW,
        } satisfies ServeServerConfig);
        servers.feast = await startFeastServer(feastBin, feastRepo, FEAST_WORKERS);
        const agreedEntities = await checkAgreement('lmdb', servers, data);
        backends.push({ backend: 'lmdb', feastStore: `sqlite (Feast ${feast.version})`, shapes: await measureBackend('lmdb', servers), agreedEntities });
      } finally {
        for (const s of Object.values(servers)) await s.stop();
      }
    }
    // Redis for all three, on one throwaway redis-server.
    if (redisUrl !== undefined) {
      await flushRedis(redisUrl);
      const root = path.join(work, 'project-redis');
      log(`serve: materializing ${SERVE_ENTITIES.toLocaleString('en-US')} entities into Redis (Aquifer${feast.redis ? ' and Feast' : ''})`);
      await aquiferMaterialize(engine, root, 'bench-serve-redis', repository, redisUrl);
      const feastRepo = path.join(work, 'feast-redis');
      if (feast.redis) await feastOnline(data, VIEW, feastRepo, { type: 'redis', connection: new URL(redisUrl).host });
      const servers: Partial<Record<Contender, Service>> = {};
      try {
        servers.aquifer = await startTsServer('serve-server.ts', { kind: 'aquifer', project: root } satisfies ServeServerConfig);
        servers.raw = await startTsServer('serve-server.ts', {
          kind: 'raw-redis',
          url: redisUrl,
          prefix: 'aquifer:bench-serve-redis',
          view: VIEW,
        } satisfies ServeServerConfig);
        if (feast.redis) servers.feast = await startFeastServer(feastBin, feastRepo, FEAST_WORKERS);
        const agreedEntities = await checkAgreement('redis', servers, data, true);
        backends.push({
          backend: 'redis',
          feastStore: feast.redis ? `Redis (Feast ${feast.version}, redis-py)` : 'none: the Python redis client (feast[redis]) is not installed',
          shapes: await measureBackend('redis', servers),
          agreedEntities,
        });
      } finally {
        for (const s of Object.values(servers)) await s.stop();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { entities: SERVE_ENTITIES, clients: SERVE_CLIENTS, seconds: SERVE_SECONDS, runs: SERVE_RUNS, feastWorkers: FEAST_WORKERS, backends };
}
