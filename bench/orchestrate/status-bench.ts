import path from 'node:path';
import Database from 'better-sqlite3';
import type { Engine } from '../../src/engine/index.js';
import { assetStatus, loadPipeline, RUN_STORE_FILE, SqliteRunStore } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { chainName, trivialAssets, writePipelines } from './shapes.js';
import { timed } from './timing.js';

export interface StatusFigures {
  assets: number;
  partitions: number;
  runs: number;
  /** assetStatus end to end, as `aquifer assets status` calls it (pipeline loaded, store opened). */
  status: { ms: number; spread: [number, number] };
  /** Of which loading the pipeline. */
  load: { ms: number; spread: [number, number] };
  /** Of which the store's question: its summary of each asset and partition (newest finished run, inputs of the newest success). */
  store: { ms: number; spread: [number, number] };
  /** One more run recorded (store.start) on top of this history. */
  startOne: { ms: number; spread: [number, number] };
}

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2025-01-01T00:00:00Z');

/**
 * A chain of `assets` daily-partitioned SQL assets (each reads the one before), every table
 * existing (one commit each), and a run history holding one success per asset and partition,
 * inserted in bulk in one transaction (365,000 start + finish pairs, each its own durable
 * transaction, would take many minutes); the store's trigger fills its summary from these
 * rows as it does for finished runs.
 */
export async function statusBench(root: string, engine: Engine, assets: number, partitions: number, rounds: number): Promise<StatusFigures> {
  const project = await Project.init(path.join(root, 'status'));
  await writePipelines(project, trivialAssets('chain', assets, { partitions: { type: 'daily', column: 'day', start: '2025-01-01' } }));
  for (let i = 0; i < assets; i++)
    await DeltaTable.create(project.tablePath(chainName(i)), { engine, data: { sql: "SELECT DATE '2025-01-01' AS day, 1 AS x" } });
  await (await SqliteRunStore.open(project.root)).close();
  const db = new Database(path.join(project.root, RUN_STORE_FILE));
  const insert = db.prepare(
    `INSERT INTO asset_runs (id, asset, partition, trigger, started_at, finished_at, status, inputs, output_version, seq)
     VALUES (?, ?, ?, 'backfill', ?, ?, 'success', ?, 0, ?)`,
  );
  let seq = 0;
  db.transaction(() => {
    for (let p = 0; p < partitions; p++) {
      const day = new Date(FIRST_DAY + p * DAY_MS).toISOString().slice(0, 10);
      for (let i = 0; i < assets; i++) {
        seq++;
        const at = new Date(FIRST_DAY + seq).toISOString();
        insert.run(`run-${seq}`, chainName(i), day, at, at, JSON.stringify(i === 0 ? {} : { [chainName(i - 1)]: 0 }), seq);
      }
    }
  })();
  db.close();

  let answer: Awaited<ReturnType<typeof assetStatus>> = [];
  const status = await timed(rounds, async () => {
    answer = await assetStatus(project, { engine });
  });
  const fresh = answer.filter((e) => e.status === 'fresh').length;
  if (answer.length !== assets * partitions || fresh !== answer.length)
    throw new Error(`expected ${assets * partitions} fresh entries, got ${fresh} of ${answer.length}`);
  const load = await timed(rounds, () => loadPipeline(project, engine));
  const store = SqliteRunStore.open(project.root);
  try {
    const asked = await timed(rounds, () => store.latest());
    let n = 0;
    const startOne = await timed(rounds, () => {
      n++;
      const at = new Date().toISOString();
      return store.start({ id: `extra-${n}`, asset: chainName(0), partition: '2026-01-01', trigger: 'manual', startedAt: at, status: 'running', inputs: {} });
    });
    return { assets, partitions, runs: seq, status, load, store: asked, startOne };
  } finally {
    await store.close();
  }
}
