import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache, compare, log, median, RUNS, timed } from './measure.js';

const COMMITS = 10_000;
const repo = fileURLToPath(new URL('../../', import.meta.url));

export interface SnapshotCase {
  aquiferMs: number;
  /** With a new DuckDB instance per load, so no Parquet metadata is cached between loads. */
  aquiferFreshEngineMs: number;
  deltaRsMs: number;
  files: number;
  version: number;
}

export interface SnapshotFigures {
  commits: number;
  checkpoint: SnapshotCase;
  json: SnapshotCase;
}

const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'value', type: 'double', nullable: true, metadata: {} },
  ],
});

function commit(version: number, start: number): string {
  const timestamp = start + version * 1000;
  const actions: object[] = [
    { commitInfo: { timestamp, operation: version === 0 ? 'CREATE TABLE' : 'WRITE', operationParameters: { mode: 'Append' }, isBlindAppend: version > 0 } },
  ];
  if (version === 0) {
    actions.push({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    actions.push({
      metaData: {
        id: randomUUID(),
        format: { provider: 'parquet', options: {} },
        schemaString: SCHEMA,
        partitionColumns: [],
        configuration: {},
        createdTime: start,
      },
    });
  } else {
    const stats = {
      numRecords: 100,
      minValues: { id: (version - 1) * 100, value: 0.5 },
      maxValues: { id: version * 100 - 1, value: 99.5 },
      nullCount: { id: 0, value: 0 },
    };
    const file = `part-${String(version).padStart(5, '0')}-${randomUUID()}-c000.snappy.parquet`;
    actions.push({ add: { path: file, partitionValues: {}, size: 2048, modificationTime: timestamp, dataChange: true, stats: JSON.stringify(stats) } });
  }
  return actions.map((a) => JSON.stringify(a)).join('\n') + '\n';
}

/** Commit 0 holds protocol and metadata; each later commit adds one file. Snapshot loads never open data files, so none are written. */
async function writeLog(dir: string): Promise<void> {
  const logDir = path.join(dir, '_delta_log');
  await mkdir(logDir, { recursive: true });
  const start = Date.UTC(2024, 0, 1);
  for (let first = 0; first < COMMITS; first += 500) {
    const batch = Array.from({ length: Math.min(500, COMMITS - first) }, (_, i) => first + i);
    await Promise.all(batch.map((v) => writeFile(path.join(logDir, `${String(v).padStart(20, '0')}.json`), commit(v, start))));
  }
}

function python(): string {
  const out = execFileSync('bash', [path.join(repo, 'scripts', 'python-env.sh')], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').at(-1) ?? 'python3';
}

function deltaRs(py: string, args: string[]): string {
  return execFileSync(py, [path.join(repo, 'bench', 'table', 'delta_rs_snapshot.py'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Two copies of one log: JSON commits only, and the same with a checkpoint written by delta-rs. */
async function ensureTables(py: string): Promise<{ json: string; checkpoint: string }> {
  const root = path.join(benchCache(), 'snapshot-10k');
  const tables = { json: path.join(root, 'json'), checkpoint: path.join(root, 'checkpoint') };
  const marker = `${root}.complete`;
  const spec = JSON.stringify({ COMMITS, layout: 1 });
  if ((await readFile(marker, 'utf8').catch(() => '')) === spec) return tables;
  log(`writing ${COMMITS.toLocaleString('en-US')} commits (twice) under ${root}`);
  await rm(root, { recursive: true, force: true });
  await writeLog(tables.json);
  await writeLog(tables.checkpoint);
  log('writing the checkpoint with delta-rs');
  deltaRs(py, ['checkpoint', tables.checkpoint]);
  await writeFile(marker, spec);
  return tables;
}

async function freshEngineLoads(location: string): Promise<number> {
  const samples: number[] = [];
  for (let round = -1; round < RUNS; round++) {
    const engine = await Engine.create();
    try {
      const { ms } = await timed(async () => (await DeltaTable.open(location, { engine })).snapshot());
      if (round >= 0) samples.push(ms);
    } finally {
      engine.close();
    }
  }
  return median(samples);
}

async function measure(engine: Engine, location: string, theirs: { median_ms: number; files: number; version: number }): Promise<SnapshotCase> {
  const snapshot = await (await DeltaTable.open(location, { engine })).snapshot();
  if (snapshot.files.length !== theirs.files || snapshot.version !== theirs.version) {
    throw new Error(`Aquifer sees ${snapshot.files.length} files at v${snapshot.version}, delta-rs ${theirs.files} at v${theirs.version} (${location})`);
  }
  const times = await compare({ aquifer: async () => (await DeltaTable.open(location, { engine })).snapshot() });
  return {
    aquiferMs: times['aquifer'] ?? NaN,
    aquiferFreshEngineMs: await freshEngineLoads(location),
    deltaRsMs: theirs.median_ms,
    files: snapshot.files.length,
    version: snapshot.version,
  };
}

export async function snapshotBench(engine: Engine): Promise<SnapshotFigures> {
  const py = python();
  const tables = await ensureTables(py);
  log('snapshot: delta-rs loads');
  const theirs = JSON.parse(deltaRs(py, ['load', String(RUNS), tables.checkpoint, tables.json])) as Record<
    string,
    { median_ms: number; files: number; version: number }
  >;
  const of = (location: string) => theirs[location] ?? { median_ms: NaN, files: -1, version: -1 };
  log('snapshot: Aquifer loads with a checkpoint');
  const checkpoint = await measure(engine, tables.checkpoint, of(tables.checkpoint));
  log('snapshot: Aquifer loads replaying JSON only');
  const json = await measure(engine, tables.json, of(tables.json));
  return { commits: COMMITS, checkpoint, json };
}
