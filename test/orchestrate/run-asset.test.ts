import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { assetStatus, runAsset, SqliteRunStore, type AssetRun, type AssetStatus } from '../../src/orchestrate/index.js';
import { onJobRun, type JobRunEvent } from '../../src/observe/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { CHAIN, EVENTS_SQL, writeAssets } from './fixture.js';

/**
 * Running assets over a real project: a source table, a daily-partitioned cleaning step and
 * an aggregate over it. Rows are compared with the same query DuckDB runs directly over the
 * source; statuses follow the run history and the source's versions.
 */
let engine: Engine;
let project: Project;
let events: DeltaTable;
const NOW = () => new Date('2024-05-10T12:00:00Z');

const TOTALS_DIRECT = `SELECT day::VARCHAR AS day, channel, sum(amount) AS total FROM (${EVENTS_SQL}) WHERE amount >= 0 GROUP BY ALL ORDER BY ALL`;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-run-asset-'), 'project'));
  ({ table: events } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: EVENTS_SQL } }));
  await writeAssets(project, 'shop', CHAIN);
  return () => engine.close();
});

async function rows(table: string, order = 'ORDER BY ALL'): Promise<Record<string, unknown>[]> {
  const scan = await (await DeltaTable.open(project.tablePath(table), { engine })).scan();
  return engine.queryJson(`SELECT * REPLACE (day::VARCHAR AS day) FROM (${await scan.sql()}) ${order}`);
}
const status = async (): Promise<Pick<AssetStatus, 'name' | 'partition' | 'status'>[]> =>
  (await assetStatus(project, { engine })).map(({ name, partition, status }) => ({ name, ...(partition === undefined ? {} : { partition }), status }));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code: string; value: unknown },
  );

describe('runAsset and assetStatus', () => {
  it('reports never before any run', async () => {
    expect(await status()).toEqual([
      { name: 'clean_events', status: 'never' },
      { name: 'daily_totals', status: 'never' },
    ]);
  });

  it('with upstream, runs the stale upstream asset first and writes what DuckDB computes directly', async () => {
    const runs = await runAsset(project, 'daily_totals', { withUpstream: true, engine, now: NOW });
    expect(runs.map((r) => [r.asset, r.status, r.inputs, r.outputVersion])).toEqual([
      ['clean_events', 'success', { events: 0 }, 0],
      ['daily_totals', 'success', { clean_events: 0 }, 0],
    ]);
    expect(await rows('daily_totals')).toEqual(await engine.queryJson(TOTALS_DIRECT));
    expect(await status()).toEqual([
      { name: 'clean_events', status: 'fresh' },
      { name: 'daily_totals', status: 'fresh' },
    ]);
  });

  it('turns stale after a source append, and fresh again after a rerun with upstream', async () => {
    await events.append({ sql: "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount" });
    const stale = await assetStatus(project, { engine });
    expect(stale[0]).toMatchObject({ name: 'clean_events', status: 'stale', staleInputs: [{ table: 'events', read: 0, current: 1 }] });
    // daily_totals reads clean_events, which has not moved yet.
    expect(stale[1]).toMatchObject({ name: 'daily_totals', status: 'fresh' });

    const runs = await runAsset(project, 'daily_totals', { withUpstream: true, engine, now: NOW });
    expect(runs.map((r) => [r.asset, r.inputs])).toEqual([
      ['clean_events', { events: 1 }],
      ['daily_totals', { clean_events: 1 }],
    ]);
    expect(await status()).toEqual([
      { name: 'clean_events', status: 'fresh' },
      { name: 'daily_totals', status: 'fresh' },
    ]);
    expect((await rows('daily_totals')).find((r) => r['day'] === '2024-05-02' && r['channel'] === 'web')?.['total']).toBe(10);
  });

  it('with nothing stale upstream, runs only the asset asked for, as one job run reading and writing its tables', async () => {
    const events: JobRunEvent[] = [];
    const stop = onJobRun((event) => events.push(event));
    const runs = await runAsset(project, 'daily_totals', { withUpstream: true, engine, now: NOW }).finally(stop);
    expect(runs.map((r) => r.asset)).toEqual(['daily_totals']);
    const complete = events.find((e) => e.state === 'COMPLETE' && e.job.name === 'orchestrate.asset.daily_totals');
    expect(complete?.inputs.map((d) => path.basename(d.name))).toContain('clean_events');
    expect(complete?.outputs.map((d) => [path.basename(d.name), d.version])).toEqual([['daily_totals', String(runs[0]?.outputVersion)]]);
  });

  it('replaces only the partition asked for', async () => {
    await events.append({ sql: "SELECT * FROM (VALUES (6, DATE '2024-05-01', 'app', 1.0), (7, DATE '2024-05-02', 'app', 100.0)) t(id, day, channel, amount)" });
    const [run] = await runAsset(project, 'clean_events', { partition: '2024-05-01', engine, now: NOW });
    expect(run).toMatchObject({ asset: 'clean_events', partition: '2024-05-01', status: 'success', inputs: { events: 2 } });
    const cleaned = await rows('clean_events', 'ORDER BY id');
    // The new row of 2024-05-01 is in; the one of 2024-05-02 waits for its partition's run.
    expect(cleaned.map((r) => r['id'])).toEqual([1, 2, 3, 5, 6]);
    const history = await (await DeltaTable.open(project.tablePath('clean_events'), { engine })).snapshot();
    expect(history.partitionColumns).toEqual(['day']);
    expect(await status()).toContainEqual({ name: 'clean_events', partition: '2024-05-01', status: 'fresh' });
    expect(await status()).toContainEqual({ name: 'clean_events', status: 'stale' });
  });

  it('refuses a partition outside the asset partitions, and any partition of an unpartitioned asset', async () => {
    expect((await failure(runAsset(project, 'clean_events', { partition: '2024-04-30', engine, now: NOW })))?.code).toBe('ASSET_PARTITION_INVALID');
    expect((await failure(runAsset(project, 'clean_events', { partition: '2024-05-11', engine, now: NOW })))?.code).toBe('ASSET_PARTITION_INVALID');
    expect((await failure(runAsset(project, 'daily_totals', { partition: '2024-05-01', engine, now: NOW })))?.code).toBe('ASSET_PARTITION_INVALID');
  });

  it('records a failing SQL as a failed run and leaves the table as it was', async () => {
    const before = await (await DeltaTable.open(project.tablePath('daily_totals'), { engine })).snapshot();
    await writeAssets(project, 'shop', [CHAIN[0] as Record<string, unknown>, { ...CHAIN[1], sql: 'SELECT day, no_such_column FROM clean_events' }]);
    const error = await failure(runAsset(project, 'daily_totals', { engine, now: NOW }));
    expect(error?.code).toBe('ASSET_RUN_FAILED');
    const after = await (await DeltaTable.open(project.tablePath('daily_totals'), { engine })).snapshot();
    expect(after.version).toBe(before.version);
    const store = SqliteRunStore.open(project.root);
    const [last] = (await store.list({ asset: 'daily_totals', limit: 1 })) as AssetRun[];
    await store.close();
    expect(last).toMatchObject({ status: 'failed', trigger: 'manual', error: { code: expect.any(String) as string } });
    expect(last?.finishedAt).toBeDefined();
    expect((await status()).find((s) => s.name === 'daily_totals')?.status).toBe('failed');
    await writeAssets(project, 'shop', CHAIN);
  });

  it('fails a run whose upstream asset has no table yet, naming it', async () => {
    const other = await Project.init(path.join(await tempDir('aquifer-run-asset-upstream-'), 'project'));
    await DeltaTable.create(other.tablePath('events'), { engine, data: { sql: EVENTS_SQL } });
    await writeAssets(other, 'shop', CHAIN);
    const error = (await failure(runAsset(other, 'daily_totals', { engine, now: NOW }))) as { code: string; cause?: { code: string } } | undefined;
    expect(error?.code).toBe('ASSET_RUN_FAILED');
    expect(error?.cause?.code).toBe('ASSET_UPSTREAM_MISSING');
  });

  it('with upstream, reads the run history once per call however long the chain, and reruns only what went stale', async () => {
    const chain = await Project.init(path.join(await tempDir('aquifer-run-asset-chain-'), 'project'));
    await writeAssets(
      chain,
      'chain',
      Array.from({ length: 6 }, (_, i) => ({ name: `c_${i}`, kind: 'sql', sql: i === 0 ? 'SELECT 1 AS x' : `SELECT x FROM c_${i - 1}` })),
    );
    const real = new SqliteRunStore(':memory:');
    const asked: string[] = [];
    // The real store, its history questions counted.
    const store = new Proxy(real, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (property === 'latest' || property === 'latestFinished' || property === 'latestSuccessful' || property === 'list') asked.push(String(property));
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
    try {
      const first = await runAsset(chain, 'c_5', { engine, store, withUpstream: true });
      expect(first.map((r) => [r.asset, r.status])).toEqual(Array.from({ length: 6 }, (_, i) => [`c_${i}`, 'success']));
      expect(asked).toEqual(['latest']);
      asked.length = 0;
      // c_3 rerun alone: c_4 is stale (its input moved), so c_4 and then c_5 run; c_0..c_3 are fresh.
      await runAsset(chain, 'c_3', { engine, store });
      const second = await runAsset(chain, 'c_5', { engine, store, withUpstream: true });
      expect(second.map((r) => r.asset)).toEqual(['c_4', 'c_5']);
      expect(asked).toEqual(['latest']);
    } finally {
      await real.close();
    }
  });
});
