import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedEngine } from '../../src/engine/index.js';
import type { AssetGraph, AssetRun, AssetStatus } from '../../src/orchestrate/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { CHAIN, EVENTS_SQL } from '../orchestrate/fixture.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

/**
 * `aquifer assets graph | list | status`, `aquifer run` and `aquifer runs list | show` (the
 * built CLI) on a project with a source table and a two-step chain, one step partitioned by day.
 */
let project: string;

beforeAll(async () => {
  project = path.join(await tempDir('aquifer-assets-cli-'), 'shop');
  expect((await runCli(['init', project])).code).toBe(0);
  await DeltaTable.create(path.join(project, 'tables', 'events'), { engine: await sharedEngine(), data: { sql: EVENTS_SQL } });
  await mkdir(path.join(project, 'pipelines'));
  await writeFile(path.join(project, 'pipelines', 'shop.json'), JSON.stringify({ assets: CHAIN }));
}, 120_000);

const cli = (...args: string[]) => runCli(args, { cwd: project, env: { AQUIFER_LOG_LEVEL: 'warn' } });
const json = async <T>(...args: string[]): Promise<T> => {
  const result = await cli(...args, '--format', 'json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

describe('aquifer assets', () => {
  it('graph prints the tree, the JSON graph and DOT', async () => {
    const tree = await cli('assets', 'graph');
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain('└── clean_events (sql) [daily by day from 2024-05-01]');
    const graph = await json<AssetGraph>('assets', 'graph');
    expect(graph.assets.map((a) => a.name)).toEqual(['events', 'clean_events', 'daily_totals']);
    expect(graph.edges).toEqual([
      { from: 'events', to: 'clean_events' },
      { from: 'clean_events', to: 'daily_totals' },
    ]);
    expect((await cli('assets', 'graph', '--format', 'dot')).stdout).toMatch(/^digraph assets \{/);
  });

  it('list names each asset and its file', async () => {
    const list = await cli('assets', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('pipelines/shop.json');
  });

  it('run --with-upstream runs the chain; status and runs show it', async () => {
    expect((await json<AssetStatus[]>('assets', 'status')).map((s) => s.status)).toEqual(['never', 'never']);
    const runs = await json<AssetRun[]>('run', 'daily_totals', '--with-upstream');
    expect(runs.map((r) => [r.asset, r.status])).toEqual([
      ['clean_events', 'success'],
      ['daily_totals', 'success'],
    ]);
    expect((await json<AssetStatus[]>('assets', 'status')).map((s) => [s.name, s.status])).toEqual([
      ['clean_events', 'fresh'],
      ['daily_totals', 'fresh'],
    ]);
    const listed = await json<AssetRun[]>('runs', 'list', '--asset', 'daily_totals');
    expect(listed.map((r) => r.id)).toEqual([runs[1]?.id]);
    const shown = await cli('runs', 'show', runs[1]?.id ?? '');
    expect(shown.stdout).toContain('read clean_events v0');
    expect(await json<AssetRun>('runs', 'show', runs[1]?.id ?? '')).toEqual(runs[1]);
  });

  it('run --partition replaces one partition and is its own status entry', async () => {
    const [run] = await json<AssetRun[]>('run', 'clean_events', '--partition', '2024-05-02');
    expect(run).toMatchObject({ partition: '2024-05-02', status: 'success', outputVersion: 1 });
    expect(await json<AssetStatus[]>('assets', 'status')).toContainEqual(
      expect.objectContaining({ name: 'clean_events', partition: '2024-05-02', status: 'fresh' }),
    );
  });

  it('exits 1 with a typed error for an unknown asset, a bad partition and an unknown run', async () => {
    const unknown = await cli('run', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('ASSET_NOT_FOUND');
    expect((await cli('run', 'clean_events', '--partition', 'yesterday')).stderr).toContain('ASSET_PARTITION_INVALID');
    expect((await cli('runs', 'show', 'no-such-run')).stderr).toContain('ASSET_RUN_NOT_FOUND');
  });
});
