import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { quoteLiteralList, type Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache, compare, log, median, RUNS, timed } from './measure.js';

const ROWS = 10_000_000;
const FILES = 100;
const PER_FILE = ROWS / FILES;
/** About one file's worth of ids: with ids increasing across files, stats leave one file. */
export const SELECTIVE = 'id BETWEEN 5000000 AND 5001000';
const AGGREGATE = 'count(*) AS n, sum(amount) AS total';

export interface ScanCase {
  /** table.scan() through the aggregate's result: planMs + queryMs, taken in the same runs. */
  aquiferMs: number;
  /** Snapshot load, pruning and SQL building: what `table.scan(...).sql()` costs before DuckDB reads data. */
  planMs: number;
  queryMs: number;
  rawMs: number;
  filesOpened: number;
  totalFiles: number;
  rows: number;
}

export interface ScanFigures {
  rows: number;
  files: number;
  bytes: number;
  full: ScanCase;
  selective: ScanCase;
}

/** Ids increase with each append, so every file covers one contiguous id range. */
function rowsSql(from: number, to: number): string {
  return `SELECT i AS id,
    CAST(hash(i) % 50000 AS BIGINT) AS user_id,
    (['view', 'click', 'add_to_cart', 'purchase', 'refund'])[1 + CAST(i % 5 AS INTEGER)] AS event_type,
    CAST(hash(i * 7) % 100000 AS DOUBLE) / 100 AS amount,
    TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(i * 3) AS ts,
    DATE '2024-01-01' + CAST(i * 3 // 86400 AS INTEGER) AS day
  FROM range(${from}, ${to}) AS t(i)`;
}

/** Written by Aquifer's own writer: one create and 99 appends, one file each. */
async function ensureTable(engine: Engine): Promise<string> {
  const dir = path.join(benchCache(), 'scan-10m');
  const marker = `${dir}.complete`;
  const spec = JSON.stringify({ ROWS, FILES, layout: 1 });
  if ((await readFile(marker, 'utf8').catch(() => '')) === spec) return dir;
  log(`writing ${ROWS.toLocaleString('en-US')} rows in ${FILES} commits to ${dir}`);
  await rm(dir, { recursive: true, force: true });
  for (let index = 0; index < FILES; index++) {
    const data = { sql: rowsSql(index * PER_FILE, (index + 1) * PER_FILE) };
    if (index === 0) await DeltaTable.create(dir, { engine, data, name: 'bench_events' });
    else await (await DeltaTable.open(dir, { engine })).append(data);
  }
  await writeFile(marker, spec);
  return dir;
}

async function measure(engine: Engine, table: DeltaTable, localFiles: string[], where: string | undefined): Promise<ScanCase> {
  const options = where === undefined ? {} : { where };
  const filter = where === undefined ? '' : ` WHERE ${where}`;
  const rawSql = `SELECT ${AGGREGATE} FROM read_parquet(${quoteLiteralList(localFiles)})${filter}`;
  const plans: number[] = [];
  const queries: number[] = [];
  const aquifer = async () => {
    const { ms: planMs, value: sql } = await timed(async () => (await table.scan(options)).sql());
    const { ms: queryMs, value } = await timed(() => engine.query(`SELECT ${AGGREGATE} FROM (${sql})`));
    plans.push(planMs);
    queries.push(queryMs);
    return value;
  };
  const raw = async () => engine.query(rawSql);

  // The two must agree before their timings mean anything.
  const [mine, theirs] = [(await aquifer())[0], (await raw())[0]];
  const rows = Number(mine?.['n']);
  if (rows !== Number(theirs?.['n']) || Math.abs(Number(mine?.['total']) - Number(theirs?.['total'])) > 1e-6 * Math.abs(Number(theirs?.['total']))) {
    throw new Error(`Aquifer and raw DuckDB disagree: ${JSON.stringify([mine, theirs], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  }
  const plan = await (await table.scan(options)).plan();
  const times = await compare({ aquifer, raw });
  // The last RUNS samples are the timed rounds (earlier ones: the check and the warm-up).
  const planMs = median(plans.slice(-RUNS));
  const queryMs = median(queries.slice(-RUNS));
  return { aquiferMs: times['aquifer'] ?? NaN, planMs, queryMs, rawMs: times['raw'] ?? NaN, filesOpened: plan.files.length, totalFiles: plan.totalFiles, rows };
}

export async function scanBench(engine: Engine): Promise<ScanFigures> {
  const dir = await ensureTable(engine);
  const table = await DeltaTable.open(dir, { engine });
  const snapshot = await table.snapshot();
  // Our writer's paths are plain relative names (no partitions, nothing to decode).
  const localFiles = snapshot.files.map((f) => path.join(dir, decodeURIComponent(f.path)));
  const bytes = snapshot.files.reduce((sum, f) => sum + f.size, 0);
  log('scan: full table');
  const full = await measure(engine, table, localFiles, undefined);
  log(`scan: ${SELECTIVE}`);
  const selective = await measure(engine, table, localFiles, SELECTIVE);
  return { rows: full.rows, files: localFiles.length, bytes, full, selective };
}
