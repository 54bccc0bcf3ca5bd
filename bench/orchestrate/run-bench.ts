import path from 'node:path';
import type { Engine } from '../../src/engine/index.js';
import { runAsset, SqliteRunStore } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { chainName, trivialAssets, writePipelines } from './shapes.js';

export interface RunFigures {
  assets: number;
  rounds: number;
  /** runAsset(last, { withUpstream: true }) over a fresh project: every asset of the chain run once. */
  orchestrated: { ms: number; spread: [number, number] };
  /** The same DuckDB + Delta writes done directly: each table created from the previous one's scan. */
  raw: { ms: number; spread: [number, number] };
  runsRecorded: number;
  logLines: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const spread = (values: number[]): [number, number] => [Math.min(...values), Math.max(...values)];

/** Run a chain of `count` trivial SQL assets end to end, orchestrated and raw, each round in fresh folders. */
export async function runBench(root: string, engine: Engine, count: number, rounds: number): Promise<RunFigures> {
  const orchestrated: number[] = [];
  const raw: number[] = [];
  let runsRecorded = 0;
  let logLines = 0;
  // Round 0 is a warm-up (not counted), at a tenth of the size.
  for (let round = 0; round <= rounds; round++) {
    const size = round === 0 ? Math.max(2, Math.ceil(count / 10)) : count;
    const project = await Project.init(path.join(root, `run-${round}`));
    await writePipelines(project, trivialAssets('chain', size));
    const store = SqliteRunStore.open(project.root);
    try {
      let start = performance.now();
      const runs = await runAsset(project, chainName(size - 1), { withUpstream: true, engine, store });
      const took = performance.now() - start;
      if (runs.length !== size || runs.some((r) => r.status !== 'success')) throw new Error(`expected ${size} successful runs, got ${runs.length}`);
      start = performance.now();
      await rawChain(path.join(root, `raw-${round}`), engine, size);
      const rawTook = performance.now() - start;
      if (round > 0) {
        orchestrated.push(took);
        raw.push(rawTook);
        runsRecorded = (await store.list({ limit: 100_000 })).length;
        logLines = (await store.logs(runs.at(-1)?.id as string)).length * size;
      }
    } finally {
      await store.close();
    }
  }
  return {
    assets: count,
    rounds,
    orchestrated: { ms: median(orchestrated), spread: spread(orchestrated) },
    raw: { ms: median(raw), spread: spread(raw) },
    runsRecorded,
    logLines,
  };
}

/** The chain's writes without orchestration: c_0 from `SELECT 1 AS x`, each next table from a scan of the one before. */
async function rawChain(dir: string, engine: Engine, count: number): Promise<void> {
  let previous: DeltaTable | undefined;
  for (let i = 0; i < count; i++) {
    const sql =
      previous === undefined ? 'SELECT 1 AS x' : `WITH ${chainName(i - 1)} AS (${await (await previous.scan()).sql()}) SELECT x FROM ${chainName(i - 1)}`;
    previous = (await DeltaTable.create(path.join(dir, chainName(i)), { engine, data: { sql } })).table;
  }
}
