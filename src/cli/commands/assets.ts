import Table from 'cli-table3';
import type { Command } from 'commander';
import {
  assetGraph,
  assetStatus,
  readAssets,
  renderAssetDot,
  renderAssetTree,
  runAsset,
  backfill,
  openRunStore,
  AssetBackfillFailedError,
  AssetRunNotFoundError,
  type AssetRun,
  type AssetRunStore,
} from '../../orchestrate/index.js';
import { openCommandProject } from '../command-project.js';
import { choice, parseList, parseNonNegativeInt } from '../options.js';
import { ProgressBar } from '../output/progress.js';
import { registerRunControl } from './runs-control.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

interface Flags {
  project: string;
  format: InfoFormat;
}

const grid = (head: string[]) => new Table({ head, style: { head: [], border: [] } });

/** `aquifer assets graph | list | status`: the project's assets (pipelines/*.json). */
export function registerAssets(program: Command): void {
  const assets = program.command('assets').description("The project's assets (pipelines/*.json): their graph, definitions and freshness.");

  assets
    .command('graph')
    .description('The asset graph: source tables and assets, each under what feeds it (tree), as JSON ({assets, edges}) or Graphviz DOT.')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text, json or dot', choice(['text', 'json', 'dot'] as const), 'text')
    .action(async (flags: { project: string; format: 'text' | 'json' | 'dot' }) => {
      const graph = await assetGraph(await openCommandProject(flags.project));
      if (flags.format === 'json') return printJson(graph);
      printText(flags.format === 'dot' ? renderAssetDot(graph) : renderAssetTree(graph));
    });

  assets
    .command('list')
    .description("The project's assets as defined: name, kind, partitions, file.")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: Flags) => {
      const defined = await readAssets(await openCommandProject(flags.project));
      if (flags.format === 'json') return printJson(defined);
      const table = grid(['asset', 'kind', 'partitions', 'file', 'description']);
      for (const a of defined)
        table.push([a.name, a.kind, a.partitions === undefined ? '' : `${a.partitions.type} by ${a.partitions.column}`, a.file, a.description ?? '']);
      printText(defined.length === 0 ? 'No assets (pipelines/*.json).' : table.toString());
    });

  assets
    .command('status')
    .description('Each asset (and partition it ran for): never, failed, stale (an input table is newer than its last successful run read) or fresh.')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: Flags) => {
      const entries = await assetStatus(await openCommandProject(flags.project));
      if (flags.format === 'json') return printJson(entries);
      const table = grid(['asset', 'partition', 'status', 'last run', 'stale inputs']);
      for (const e of entries)
        table.push([
          e.name,
          e.partition ?? '',
          e.status,
          e.lastRun === undefined ? '' : `${e.lastRun.status} ${e.lastRun.finishedAt ?? e.lastRun.startedAt}`,
          (e.staleInputs ?? []).map((s) => `${s.table} v${s.read ?? '-'}→v${s.current}`).join(', '),
        ]);
      printText(entries.length === 0 ? 'No assets (pipelines/*.json).' : table.toString());
    });
}

interface RunFlags extends Flags {
  partition?: string;
  withUpstream?: boolean;
  from?: string;
  to?: string;
  partitions?: string[];
  concurrency: number;
  force?: boolean;
}

/** `aquifer run ASSET`: one asset, or one partition of it, with what it needs first; or a backfill of many partitions. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description(
      "Run an asset by its kind (docs/pipelines.md): a SQL or TypeScript transformation over the current versions of its inputs written to its table (whole, or only --partition's rows by replaceWhere), an ingest, a feature view materialization, a training set, a training run, a validation; recorded in the run history. With --from/--to (daily) or --partitions, a backfill: each partition not yet fresh, --concurrency at a time. Exits 1 when a run fails (its table is left as it was), or when a backfill partition failed, naming them.",
    )
    .argument('<asset>', 'the asset to run')
    .option('--partition <partition>', 'run only this partition (a day YYYY-MM-DD, or a static value)')
    .option('--with-upstream', 'first run the upstream assets that are not fresh, in dependency order')
    .option('--from <day>', "backfill: the first day (default: the asset's start)")
    .option('--to <day>', 'backfill: the last day, included (default: today)')
    .option('--partitions <list>', "backfill these partitions (comma-separated; a static asset's values)", parseList)
    .option('--all', 'backfill every partition (a daily asset: its start to today; a static one: all its values)')
    .option('--concurrency <n>', 'backfill: at most this many partitions at a time', parseNonNegativeInt, 1)
    .option('--force', 'backfill: run partitions that are already fresh too')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    // What the history records as having started the run: the tasks of `aquifer export airflow`'s DAGs say airflow.
    .option('--trigger <trigger>', 'what started the run, for the history: manual or airflow', choice(['manual', 'airflow'] as const), 'manual')
    .action(async (asset: string, flags: RunFlags & { all?: boolean; trigger: 'manual' | 'airflow' }) => {
      const project = await openCommandProject(flags.project);
      if (flags.from !== undefined || flags.to !== undefined || flags.partitions !== undefined || flags.all === true) return runBackfill(project, asset, flags);
      const runs = await untilInterrupted((signal) =>
        runAsset(project, asset, {
          ...(flags.partition === undefined ? {} : { partition: flags.partition }),
          withUpstream: flags.withUpstream === true,
          trigger: flags.trigger,
          signal,
        }),
      );
      if (flags.format === 'json') return printJson(runs);
      printText(
        runs
          .map((r) => `${r.asset}${r.partition === undefined ? '' : ` [${r.partition}]`}: ${r.status}, wrote version ${r.outputVersion ?? '-'} (run ${r.id})`)
          .join('\n'),
      );
    });
}

/**
 * Do `work` with a signal that SIGINT or SIGTERM aborts: the run in flight is interrupted and
 * recorded `cancelled` (a backfill starts no further partitions) rather than left `running`.
 */
async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const control = new AbortController();
  const stop = () => control.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(control.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function runBackfill(project: Awaited<ReturnType<typeof openCommandProject>>, asset: string, flags: RunFlags): Promise<void> {
  const bar = new ProgressBar(`backfill ${asset}`, flags.format === 'text' && process.stderr.isTTY === true);
  const summary = await (async () => {
    try {
      return await untilInterrupted((signal) =>
        backfill(project, asset, {
          signal,
          ...(flags.from === undefined ? {} : { from: flags.from }),
          ...(flags.to === undefined ? {} : { to: flags.to }),
          ...(flags.partitions === undefined ? {} : { partitions: flags.partitions }),
          concurrency: Math.max(1, flags.concurrency),
          force: flags.force === true,
          onProgress: (done, total) => bar.update(done / total),
        }),
      );
    } finally {
      bar.stop();
    }
  })();
  if (flags.format === 'json') printJson(summary);
  else
    printText(
      `${summary.asset}: ${summary.total} partition(s), ${summary.succeeded} ran, ${summary.fresh} already fresh, ${summary.failed} failed` +
        summary.partitions
          .filter((p) => p.status !== 'success' && p.status !== 'fresh')
          .map((p) => `\n  ${p.partition}: ${p.status}${p.error === undefined ? '' : ` (${p.error.code ?? ''} ${p.error.message})`}`)
          .join(''),
    );
  const failed = summary.partitions.filter((p) => p.status !== 'success' && p.status !== 'fresh');
  if (failed.length > 0)
    throw new AssetBackfillFailedError(
      summary.asset,
      failed.map((p) => ({ partition: p.partition, ...(p.runId === undefined ? {} : { runId: p.runId }), error: p.error?.message ?? p.status })),
    );
}

/** `aquifer runs list | show`: the run history (.aquifer/runs.db). */
export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('The history of asset runs (.aquifer/runs.db).');
  registerRunControl(runs);

  runs
    .command('list')
    .description('Asset runs, newest first.')
    .option('--asset <asset>', 'only the runs of this asset')
    .option('--status <status>', 'only the runs in this status', choice(['running', 'success', 'failed', 'cancelled', 'aborted'] as const))
    .option('--limit <n>', 'at most this many', parseNonNegativeInt, 100)
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: Flags & { asset?: string; status?: AssetRun['status']; limit: number }) => {
      const list = await withStore(flags.project, (store) =>
        store.list({
          ...(flags.asset === undefined ? {} : { asset: flags.asset }),
          ...(flags.status === undefined ? {} : { status: flags.status }),
          limit: flags.limit,
        }),
      );
      if (flags.format === 'json') return printJson(list);
      const table = grid(['run', 'asset', 'partition', 'trigger', 'started', 'status', 'wrote']);
      for (const r of list)
        table.push([r.id, r.asset, r.partition ?? '', r.trigger, r.startedAt, r.status, r.outputVersion === undefined ? '' : `v${r.outputVersion}`]);
      printText(list.length === 0 ? 'No asset runs yet.' : table.toString());
    });

  runs
    .command('show')
    .description('One run: its asset, partition, times, status, error, and the table versions it read and wrote.')
    .argument('<id>', 'the run id')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (id: string, flags: Flags) => {
      const run = await withStore(flags.project, (store) => store.get(id));
      if (run === undefined) throw new AssetRunNotFoundError(id);
      if (flags.format === 'json') return printJson(run);
      printText(describeRun(run));
    });
}

function describeRun(run: AssetRun): string {
  const lines = [
    `run ${run.id}`,
    `asset ${run.asset}${run.partition === undefined ? '' : ` partition ${run.partition}`}`,
    `trigger ${run.trigger}`,
    `started ${run.startedAt}`,
    `finished ${run.finishedAt ?? '-'}`,
    `status ${run.status}`,
  ];
  if (run.attempt !== undefined) lines.push(`attempt ${run.attempt}${run.retryOf === undefined ? '' : ` of ${run.retryOf}`}`);
  if (run.error !== undefined) lines.push(`error ${run.error.code ?? ''} ${run.error.message}`.trim());
  for (const [table, version] of Object.entries(run.inputs)) lines.push(`read ${table} v${version}`);
  if (run.outputVersion !== undefined) lines.push(`wrote ${run.asset} v${run.outputVersion}`);
  return lines.join('\n');
}

async function withStore<T>(dir: string, work: (store: AssetRunStore) => Promise<T>): Promise<T> {
  const project = await openCommandProject(dir);
  const store = await openRunStore(project);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
