import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dagster_chain.py');

export interface DagsterFigures {
  assets: number;
  cliAssets: number;
  version: string;
  /** The same chain's writes in Python (DuckDB + delta-rs), no orchestrator. */
  rawMs: number;
  /** dagster.materialize() in process, the Python import excluded. */
  inProcessMs: number;
  /** `dagster asset materialize --select '*'` with the in_process executor: wall clock, Python start included. */
  cliInProcessMs: number;
  /** The same with Dagster's default multiprocess executor (a process per step), on `cliAssets` assets. */
  cliMultiprocessMs: number;
}

/** Dagster on the run part's chain; `bin` is the venv's bin folder. */
export function dagsterBench(bin: string, assets: number, cliAssets: number): DagsterFigures {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aquifer-bench-dagster-'));
  try {
    const env = (count: number, sub: string) => ({
      ...process.env,
      BENCH_DAGSTER_ASSETS: String(count),
      BENCH_DAGSTER_DIR: path.join(dir, sub),
      DAGSTER_HOME: dir,
    });
    const printed = (mode: string) => {
      const out = spawnSync(path.join(bin, 'python'), [SCRIPT, mode], { env: env(assets, mode), encoding: 'utf8', maxBuffer: 1 << 28 });
      if (out.status !== 0) throw new Error(`dagster_chain.py ${mode} failed: ${out.stderr.slice(-2000)}`);
      return (JSON.parse(out.stdout.trim().split('\n').at(-1) as string) as { ms: number }).ms;
    };
    const cli = (count: number, sub: string, extra: string[]) => {
      const start = performance.now();
      const out = spawnSync(path.join(bin, 'dagster'), ['asset', 'materialize', '-f', SCRIPT, '--select', '*', ...extra], {
        env: env(count, sub),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      const took = performance.now() - start;
      if (out.status !== 0 || !out.stderr.includes('RUN_SUCCESS')) throw new Error(`dagster asset materialize failed: ${out.stderr.slice(-2000)}`);
      return took;
    };
    const version = spawnSync(path.join(bin, 'python'), ['-c', 'import dagster; print(dagster.__version__)'], { encoding: 'utf8' }).stdout.trim();
    return {
      assets,
      cliAssets,
      version,
      rawMs: printed('raw'),
      inProcessMs: printed('inproc'),
      cliInProcessMs: cli(assets, 'cli-in-process', ['--config-json', '{"execution":{"config":{"in_process":{}}}}']),
      cliMultiprocessMs: cli(cliAssets, 'cli-multiprocess', []),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
