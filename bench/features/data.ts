import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quoteLiteral, type Engine } from '../../src/engine/index.js';
import type { Entity, FeatureRepository, FeatureView } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache, log } from '../table/measure.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');

/** Everything this benchmark generates lives here and is reused across runs. */
export function featuresCache(): string {
  return path.join(benchCache(), 'features');
}

/** Scratch space (online stores, saved training sets, Feast repositories), removed at the end. */
export function scratchDir(): string {
  return path.join(benchCache(), 'features-work');
}

export const DRIVER: Entity = { name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] };

/** The window every materialization covers: all the generated event times lie inside it. */
export const WINDOW = { start: '2024-04-01T00:00:00Z', end: '2024-07-01T00:00:00Z' } as const;

// ---------------------------------------------------------------------------------------------
// Online views: one row per driver (so every row read is a row written), 10 features.

export const SERVE_FEATURES = Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, type: i % 2 === 0 ? 'double' : 'long' }) as const);

export function onlineView(name: string, table: string): FeatureView {
  return {
    name,
    entities: ['driver'],
    source: { kind: 'table', table, timestampField: 'event_ts', createdTimestampField: 'created_ts' },
    features: SERVE_FEATURES.map((f) => ({ ...f })),
  };
}

/** `rows` drivers 1..rows, one row each: event time within 2024-05-01, 5 DOUBLE and 5 BIGINT features. */
function onlineRowsSql(rows: number): string {
  const features = SERVE_FEATURES.map((f, i) =>
    f.type === 'double' ? `round((hash(i * ${2 * i + 3}) % 1000000) / 1e6, 6) AS ${f.name}` : `CAST(hash(i * ${2 * i + 3}) % 100000 AS BIGINT) AS ${f.name}`,
  );
  return `SELECT i AS driver_id,
      TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(CAST(hash(i) % 86400 AS BIGINT)) AS event_ts,
      TIMESTAMPTZ '2024-05-02 00:00:00+00' + to_seconds(CAST(hash(i * 2) % 3600 AS BIGINT)) AS created_ts,
      ${features.join(',\n      ')}
    FROM range(1, ${rows + 1}) t(i)`;
}

// ---------------------------------------------------------------------------------------------
// Training set: entity rows over DRIVERS drivers and 30 days; three views of 1M rows each.

export interface TrainingViewSpec {
  name: string;
  ttlSeconds: number;
  created: boolean;
  features: { name: string; type: 'double' | 'long' }[];
}

export const TRAINING_VIEWS: TrainingViewSpec[] = [
  {
    name: 'trips',
    ttlSeconds: 3 * 86400,
    created: true,
    features: [
      { name: 'conv_rate', type: 'double' },
      { name: 'acc_rate', type: 'double' },
      { name: 'trips_today', type: 'long' },
    ],
  },
  {
    name: 'ratings',
    ttlSeconds: 7 * 86400,
    created: false,
    features: [
      { name: 'rating', type: 'double' },
      { name: 'ratings_count', type: 'long' },
      { name: 'rating_trend', type: 'double' },
    ],
  },
  {
    name: 'activity',
    ttlSeconds: 86400,
    created: true,
    features: [
      { name: 'online_minutes', type: 'long' },
      { name: 'idle_share', type: 'double' },
      { name: 'zone', type: 'long' },
    ],
  },
];

export function trainingFeatureRefs(): string[] {
  return TRAINING_VIEWS.flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`));
}

export function trainingRepository(tables: (view: string) => string): FeatureRepository {
  return {
    entities: [DRIVER],
    featureViews: TRAINING_VIEWS.map((v) => ({
      name: v.name,
      entities: ['driver'],
      source: { kind: 'table', table: tables(v.name), timestampField: 'event_ts', ...(v.created ? { createdTimestampField: 'created_ts' } : {}) },
      features: v.features.map((f) => ({ ...f })),
      ttl: `${v.ttlSeconds}s`,
    })),
  };
}

const DAYS = 30;
export const TRAINING_DRIVERS = 100_000;
export const VIEW_ROWS = 1_000_000;

/**
 * Row i of a view: driver 1 + i % DRIVERS, so 10 rows per driver; the k-th row of a driver
 * (k = i / DRIVERS) falls at a whole second in days 3k..3k+3 from 2024-05-01, so a driver's
 * rows never share an event time by chance. In views with a created time, every 50th row
 * repeats the previous row's driver and event time with a later created time, so ties on
 * event time occur and the created time must break them.
 */
function trainingViewSql(spec: TrainingViewSpec, seed: number): string {
  const features = spec.features.map((f, k) => {
    const h = `hash(i * ${seed * 101 + k * 7 + 1})`;
    return f.type === 'double' ? `round((${h} % 1000000) / 1e6, 6) AS ${f.name}` : `CAST(${h} % 1000 AS BIGINT) AS ${f.name}`;
  });
  const base = spec.created ? `(CASE WHEN i % 50 = 1 THEN i - 1 ELSE i END)` : 'i';
  const slot = (DAYS / 10) * 86400;
  const event = `TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(CAST((${base} // ${TRAINING_DRIVERS}) * ${slot} + hash(${base} * ${seed + 3}) % ${slot} AS BIGINT))`;
  const created = `${event} + to_seconds(CAST(CASE WHEN i % 50 = 1 THEN 3600 ELSE 0 END + hash(i * ${seed + 5}) % 1800 AS BIGINT))`;
  return `SELECT 1 + ${base} % ${TRAINING_DRIVERS} AS driver_id,
      ${event} AS event_ts,
      ${spec.created ? `${created} AS created_ts,` : ''}
      ${features.join(',\n      ')}
    FROM range(0, ${VIEW_ROWS}) t(i)`;
}

/** Entity rows: random drivers (a few beyond the data, so some rows find nothing) at random seconds over 32 days. */
function entityRowsSql(rows: number): string {
  return `SELECT 1 + CAST(hash(i * 7 + 1) % ${Math.round(TRAINING_DRIVERS * 1.02)} AS BIGINT) AS driver_id,
      TIMESTAMPTZ '2024-04-30 00:00:00+00' + to_seconds(CAST(hash(i * 13 + 5) % ${(DAYS + 2) * 86400} AS BIGINT)) AS event_timestamp
    FROM range(0, ${rows}) t(i)`;
}

// ---------------------------------------------------------------------------------------------
// Generation, cached under featuresCache() with a marker holding the spec.

async function cached(name: string, spec: unknown, make: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(featuresCache(), name);
  const marker = `${dir}.complete`;
  const text = JSON.stringify(spec);
  if ((await readFile(marker, 'utf8').catch(() => '')) === text) return dir;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await make(dir);
  await writeFile(marker, text);
  return dir;
}

async function copyParquet(engine: Engine, sql: string, file: string): Promise<void> {
  await engine.run(`COPY (${sql}) TO ${quoteLiteral(file)} (FORMAT parquet, ROW_GROUP_SIZE 122880)`);
}

export interface OnlineData {
  /** The Parquet file (Feast's source) and the Delta table written from it by Aquifer's writer. */
  parquet: string;
  table: string;
  rows: number;
}

/** An online view's data: Parquet plus a Delta table (one create with Aquifer's writer). */
export async function onlineData(engine: Engine, name: string, rows: number): Promise<OnlineData> {
  const dir = await cached(`${name}-${rows}`, { rows, layout: 1 }, async (d) => {
    log(`generating ${rows.toLocaleString('en-US')} rows for ${name}`);
    await copyParquet(engine, onlineRowsSql(rows), path.join(d, `${name}.parquet`));
    await DeltaTable.create(path.join(d, 'table'), { engine, data: { files: path.join(d, `${name}.parquet`) }, name });
  });
  return { parquet: path.join(dir, `${name}.parquet`), table: path.join(dir, 'table'), rows };
}

export interface TrainingData {
  entities: string;
  entityRows: number;
  views: Record<string, { parquet: string; table: string }>;
}

/** Entity rows (Parquet) and the three views (Parquet and Delta tables written by Aquifer). */
export async function trainingData(engine: Engine, entityRows: number): Promise<TrainingData> {
  const viewsDir = await cached('training-views', { TRAINING_VIEWS, VIEW_ROWS, TRAINING_DRIVERS, layout: 1 }, async (d) => {
    for (const [index, spec] of TRAINING_VIEWS.entries()) {
      log(`generating ${VIEW_ROWS.toLocaleString('en-US')} rows for view ${spec.name}`);
      const file = path.join(d, `${spec.name}.parquet`);
      await copyParquet(engine, trainingViewSql(spec, index + 1), file);
      await DeltaTable.create(path.join(d, spec.name), { engine, data: { files: file }, name: spec.name });
    }
  });
  const entitiesDir = await cached(`training-entities-${entityRows}`, { entityRows, TRAINING_DRIVERS, layout: 1 }, async (d) => {
    log(`generating ${entityRows.toLocaleString('en-US')} entity rows`);
    await copyParquet(engine, entityRowsSql(entityRows), path.join(d, 'entities.parquet'));
  });
  return {
    entities: path.join(entitiesDir, 'entities.parquet'),
    entityRows,
    views: Object.fromEntries(TRAINING_VIEWS.map((v) => [v.name, { parquet: path.join(viewsDir, `${v.name}.parquet`), table: path.join(viewsDir, v.name) }])),
  };
}

/** A project folder (aquifer.json and features.json) whose views read tables by absolute path. */
export async function writeProject(root: string, name: string, repository: FeatureRepository, onlineStore?: { type: 'redis'; url: string }): Promise<Project> {
  await rm(root, { recursive: true, force: true });
  await Project.init(root, name);
  const config = { name, backends: { tableStorage: 'local', ...(onlineStore === undefined ? {} : { onlineStore }) } };
  await writeFile(path.join(root, 'aquifer.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(path.join(root, 'features.json'), `${JSON.stringify(repository, null, 2)}\n`);
  return Project.open(root);
}

// ---------------------------------------------------------------------------------------------
// Feast: the reference venv (scripts/python-env.sh) and test-independent helper script.

export const FEAST_SCRIPT = path.join(here, 'feast_bench.py');

let python: string | undefined;

/** The venv's python (feast[duckdb,redis] 0.67.0), built or reused by scripts/python-env.sh. */
export function venvPython(): string {
  if (python !== undefined) return python;
  const result = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const printed = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || printed === '') throw new Error('scripts/python-env.sh failed: no Python venv with Feast');
  python = printed;
  return python;
}

/** The Feast version and whether its Redis online store can load (the `redis` client is installed). */
export function feastInfo(): { version: string; redis: boolean } {
  const probe = spawnSync(
    venvPython(),
    ['-c', 'import feast, importlib.util; print(feast.__version__); print(importlib.util.find_spec("redis") is not None)'],
    { encoding: 'utf8' },
  );
  const [version, redis] = probe.stdout.trim().split('\n');
  return { version: version ?? 'unknown', redis: redis === 'True' };
}
