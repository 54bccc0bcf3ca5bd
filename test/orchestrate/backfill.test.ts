import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { backfill, runAsset, SqliteRunStore, type BackfillPartitionResult } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from './fixture.js';

/**
 * Backfills over a source of 30 days: every partition run (a few at a time), the same rows
 * as one whole run of the same SQL, fresh partitions skipped on a rerun, and a failing
 * partition that does not stop the others.
 */
let engine: Engine;
let project: Project;
let store: SqliteRunStore;
const NOW = () => new Date('2024-06-15T12:00:00Z');

/** Three rows a day for May 2024, one with a negative amount. */
export const MONTH_SQL = `SELECT i AS id, (DATE '2024-05-01' + (i // 3)::INTEGER) AS day, (i % 7 - 1)::DOUBLE AS amount FROM range(90) t(i)`;
const CLEAN = 'SELECT id, day, amount FROM events WHERE amount >= 0';

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-backfill-'), 'project'));
  await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: MONTH_SQL } });
  await writeAssets(project, 'month', [
    { name: 'by_day', kind: 'sql', sql: CLEAN, partitions: { type: 'daily', column: 'day', start: '2024-05-01' } },
    { name: 'whole', kind: 'sql', sql: CLEAN },
    {
      name: 'bad_day',
      kind: 'sql',
      sql: "SELECT id, day, CASE WHEN day = DATE '2024-05-03' THEN error('a bad day') ELSE amount END AS amount FROM events",
      partitions: { type: 'daily', column: 'day', start: '2024-05-01' },
    },
    {
      name: 'regions',
      kind: 'sql',
      sql: "SELECT 'eu' AS region, 1 AS n UNION ALL SELECT 'us', 2",
      partitions: { type: 'static', column: 'region', values: ['eu', 'us'] },
    },
  ]);
  store = SqliteRunStore.open(project.root);
  return async () => {
    await store.close();
    await engine.close();
  };
});

const rows = async (table: string) => {
  const scan = await (await DeltaTable.open(project.tablePath(table), { engine })).scan();
  return engine.queryJson(`SELECT id, day::VARCHAR AS day, amount FROM (${await scan.sql()}) ORDER BY id`);
};
const statuses = (results: BackfillPartitionResult[]) => results.map((r) => r.status);

describe('backfill', () => {
  it('runs 30 daily partitions a few at a time and gives the same table as one whole run', async () => {
    const seen: number[] = [];
    const summary = await backfill(project, 'by_day', {
      engine,
      store,
      now: NOW,
      from: '2024-05-01',
      to: '2024-05-30',
      concurrency: 4,
      onProgress: (done) => seen.push(done),
    });
    expect(summary.partitions.filter((p) => p.status !== 'success').slice(0, 2)).toEqual([]);
    expect(summary).toMatchObject({ asset: 'by_day', total: 30, succeeded: 30, fresh: 0, failed: 0 });
    expect(summary.partitions.map((p) => p.partition).slice(0, 2)).toEqual(['2024-05-01', '2024-05-02']);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await runAsset(project, 'whole', { engine, store, now: NOW });
    expect(await rows('by_day')).toEqual(await rows('whole'));
    const runs = await store.list({ asset: 'by_day', limit: 1000 });
    expect(runs.every((r) => r.trigger === 'backfill' && r.status === 'success')).toBe(true);
    expect(new Set(runs.map((r) => r.partition)).size).toBe(30);
  });

  it('skips partitions already fresh on a rerun, unless forced', async () => {
    const again = await backfill(project, 'by_day', { engine, store, now: NOW, from: '2024-05-01', to: '2024-05-30', concurrency: 4 });
    expect(again).toMatchObject({ total: 30, succeeded: 0, fresh: 30 });
    const forced = await backfill(project, 'by_day', { engine, store, now: NOW, from: '2024-05-29', to: '2024-05-30', force: true });
    expect(statuses(forced.partitions)).toEqual(['success', 'success']);
  });

  it('lets the other partitions run when one fails, and names it', async () => {
    const summary = await backfill(project, 'bad_day', { engine, store, now: NOW, from: '2024-05-01', to: '2024-05-05', concurrency: 2 });
    expect(statuses(summary.partitions)).toEqual(['success', 'success', 'failed', 'success', 'success']);
    expect(summary.partitions[2]).toMatchObject({ partition: '2024-05-03', error: { code: 'ASSET_RUN_FAILED' } });
    expect(summary.failed).toBe(1);
  });

  it("runs a static asset's values, all or those named", async () => {
    expect(statuses((await backfill(project, 'regions', { engine, store, now: NOW })).partitions)).toEqual(['success', 'success']);
    expect((await backfill(project, 'regions', { engine, store, now: NOW, partitions: ['us'], force: true })).partitions.map((p) => p.partition)).toEqual([
      'us',
    ]);
  });

  it('refuses a range that is empty, in the future or on an unpartitioned asset', async () => {
    const code = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: { code: string }) => error.code,
      );
    expect(await code(backfill(project, 'by_day', { engine, store, now: NOW, from: '2024-05-10', to: '2024-05-01' }))).toBe('ASSET_PARTITION_INVALID');
    expect(await code(backfill(project, 'by_day', { engine, store, now: NOW, to: '2024-07-01' }))).toBe('ASSET_PARTITION_INVALID');
    expect(await code(backfill(project, 'whole', { engine, store, now: NOW }))).toBe('ASSET_PARTITION_INVALID');
  });
});
