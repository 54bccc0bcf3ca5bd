/**
 * `npm run bench:orchestrate`: what orchestration costs (issue 19's benchmark).
 * 1. Plan: loading and checking 10,000 trivial assets, a chain and a fan-out, next to a plain topological sort.
 * 2. Run: a chain of trivial SQL assets run end to end (runAsset with withUpstream) next to the same writes done directly.
 * 3. Status: assetStatus over 1,000 assets × 365 daily partitions with a success each (goal: < 1 s).
 * 4. Dagster (when BENCH_ORCH_DAGSTER names a venv's bin folder holding dagster): the run part's chain materialized by Dagster.
 * Sizes: BENCH_ORCH_PLAN_ASSETS (10,000), BENCH_ORCH_RUN_ASSETS (1,000), BENCH_ORCH_STATUS_ASSETS (1,000),
 * BENCH_ORCH_PARTITIONS (365), BENCH_ORCH_DAGSTER_ASSETS (100), BENCH_ORCH_DAGSTER_CLI_ASSETS (10), BENCH_ORCH_ROUNDS (3);
 * BENCH_ORCH_PARTS=plan,run,status,dagster picks parts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sharedEngine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { dagsterBench, type DagsterFigures } from './dagster-bench.js';
import { planBench, type PlanFigures } from './plan-bench.js';
import { runBench, type RunFigures } from './run-bench.js';
import { statusBench, type StatusFigures } from './status-bench.js';
import { count, ms, range, table } from './timing.js';

const size = (name: string, fallback: number) => Math.max(1, Number(process.env[`BENCH_ORCH_${name}`] ?? fallback));
const ROUNDS = size('ROUNDS', 3);
const PLAN_ASSETS = size('PLAN_ASSETS', 10_000);
const RUN_ASSETS = size('RUN_ASSETS', 1000);
const STATUS_ASSETS = size('STATUS_ASSETS', 1000);
const PARTITIONS = size('PARTITIONS', 365);
const DAGSTER_ASSETS = size('DAGSTER_ASSETS', 100);
const DAGSTER_CLI_ASSETS = size('DAGSTER_CLI_ASSETS', 10);
const DAGSTER_BIN = process.env['BENCH_ORCH_DAGSTER'];
const parts = new Set((process.env['BENCH_ORCH_PARTS'] ?? 'plan,run,status,dagster').split(','));

function planReport(figures: PlanFigures[]): string {
  const rows = figures.flatMap((f) => {
    const label = `${count(f.assets)} in a ${f.shape === 'chain' ? 'chain' : 'fan-out from one source table'}`;
    const row = (what: string, t: { ms: number; spread: [number, number] }) => [label, what, ms(t.ms), range(t.spread), `${(t.ms / f.raw.ms).toFixed(0)}×`];
    return [
      row('readAssets (files read, schema checked)', f.read),
      row("loadPipeline (+ each SQL's tables by DuckDB's parser, sources, topological order)", f.load),
      row('assetGraph (+ nodes and edges)', f.graph),
      row('`aquifer plan` for pipelines (readAssets + assetGraph + the printed tree)', f.plan),
      row('raw: Kahn topological sort of the same edges, plain JS', f.raw),
    ];
  });
  return ['### Plan: load and check the pipeline', '', table(['assets', 'work', 'median', 'spread', '× raw'], rows)].join('\n');
}

function runReport(f: RunFigures): string {
  const per = (t: number) => `${(t / f.assets).toFixed(1)} ms`;
  return [
    `### Run: a chain of ${count(f.assets)} trivial SQL assets end to end (median of ${f.rounds} rounds, each in a fresh project)`,
    '',
    table(
      ['contender', 'total', 'per asset', 'spread'],
      [
        [
          'Aquifer: runAsset(last, { withUpstream: true }): lease, run rows, logs, job run, DuckDB + Delta write',
          ms(f.orchestrated.ms),
          per(f.orchestrated.ms),
          range(f.orchestrated.spread),
        ],
        ['raw: the same DuckDB + Delta writes (each table created from a scan of the one before)', ms(f.raw.ms), per(f.raw.ms), range(f.raw.spread)],
      ],
    ),
    '',
    `Orchestration overhead: ${per(f.orchestrated.ms - f.raw.ms)} per asset, ${(f.orchestrated.ms / f.raw.ms).toFixed(2)}× the raw writes; ${count(f.runsRecorded)} runs and about ${count(f.logLines)} log lines recorded per round.`,
  ].join('\n');
}

function statusReport(f: StatusFigures): string {
  return [
    `### Status: ${count(f.assets)} assets × ${count(f.partitions)} daily partitions, ${count(f.runs)} successful runs (goal: < 1 s)`,
    '',
    table(
      ['measure', 'median', 'spread'],
      [
        [`assetStatus end to end (${count(f.runs)} entries, all fresh)`, ms(f.status.ms), range(f.status.spread)],
        ['  of which loadPipeline', ms(f.load.ms), range(f.load.spread)],
        [`  of which the store's summary (SQLite, ${count(f.runs)} keys: store.latest())`, ms(f.store.ms), range(f.store.spread)],
        ['one more run recorded on this history (store.start)', ms(f.startOne.ms), range(f.startOne.spread)],
      ],
    ),
  ].join('\n');
}

function dagsterReport(d: DagsterFigures, run: RunFigures | undefined): string {
  const per = (t: number, n: number) => `${(t / n).toFixed(1)} ms`;
  const rows = [
    [
      `Dagster ${d.version}: \`dagster asset materialize --select '*'\`, in_process executor (wall, Python start included)`,
      String(d.assets),
      ms(d.cliInProcessMs),
      per(d.cliInProcessMs, d.assets),
    ],
    [`Dagster ${d.version}: dagster.materialize() in process (imports excluded)`, String(d.assets), ms(d.inProcessMs), per(d.inProcessMs, d.assets)],
    [
      `Dagster ${d.version}: \`dagster asset materialize --select '*'\`, default multiprocess executor`,
      String(d.cliAssets),
      ms(d.cliMultiprocessMs),
      per(d.cliMultiprocessMs, d.cliAssets),
    ],
    ['raw Python: the same DuckDB + delta-rs writes, no orchestrator', String(d.assets), ms(d.rawMs), per(d.rawMs, d.assets)],
  ];
  if (run !== undefined)
    rows.unshift([`Aquifer: runAsset withUpstream (the run part above)`, count(run.assets), ms(run.orchestrated.ms), per(run.orchestrated.ms, run.assets)]);
  return [`### Dagster on the same chain (one round each)`, '', table(['contender', 'assets', 'total', 'per asset'], rows)].join('\n');
}

const engine = await sharedEngine();
const root = await mkdtemp(path.join(os.tmpdir(), 'aquifer-bench-orchestrate-'));
try {
  const duckdb = String((await engine.query('SELECT version() AS v'))[0]?.['v']);
  console.log(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; Node ${process.version}; DuckDB ${duckdb}; median of ${ROUNDS} rounds after one warm-up\n`,
  );
  if (parts.has('plan')) {
    const project = await Project.init(path.join(root, 'plan'));
    await DeltaTable.create(project.tablePath('src'), { engine, data: { sql: 'SELECT 1 AS x' } });
    const chain = await planBench(project, engine, 'chain', PLAN_ASSETS, ROUNDS);
    const fan = await planBench(project, engine, 'fan-out', PLAN_ASSETS, ROUNDS);
    console.log(planReport([chain, fan]) + '\n');
  }
  const run = parts.has('run') ? await runBench(root, engine, RUN_ASSETS, ROUNDS) : undefined;
  if (run !== undefined) console.log(runReport(run) + '\n');
  if (parts.has('status')) console.log(statusReport(await statusBench(root, engine, STATUS_ASSETS, PARTITIONS, ROUNDS)) + '\n');
  if (parts.has('dagster')) {
    if (DAGSTER_BIN === undefined)
      console.log('### Dagster: skipped (set BENCH_ORCH_DAGSTER to the bin folder of a venv with dagster, duckdb, deltalake and pyarrow)\n');
    else console.log(dagsterReport(dagsterBench(DAGSTER_BIN, DAGSTER_ASSETS, DAGSTER_CLI_ASSETS), run) + '\n');
  }
  console.log(
    `Load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  engine.close();
  await rm(root, { recursive: true, force: true });
}
