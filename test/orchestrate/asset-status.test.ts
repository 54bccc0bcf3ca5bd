import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { assetStatus, SqliteRunStore, type AssetRun, type AssetStatus } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from './fixture.js';

/** Status judged from a history written through the store: which run each asset and partition is judged on. */
let engine: Engine;
let project: Project;
let store: SqliteRunStore;
let seq = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-asset-status-'), 'project'));
  await DeltaTable.create(project.tablePath('src'), { engine, data: { sql: 'SELECT 1 AS x' } });
  await writeAssets(project, 'p', [
    { name: 'kept', kind: 'sql', sql: 'SELECT x FROM src' },
    { name: 'broken', kind: 'sql', sql: 'SELECT x FROM src' },
    { name: 'moved', kind: 'sql', sql: 'SELECT x FROM src' },
  ]);
  store = new SqliteRunStore(':memory:');
});
afterAll(async () => {
  await store?.close();
  engine?.close();
});

async function record(asset: string, status: AssetRun['status'], inputs: Record<string, number> = { src: 0 }): Promise<void> {
  const id = `r${++seq}`;
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString();
  await store.start({ id, asset, trigger: 'manual', startedAt: at, status: 'running', inputs: {} });
  await store.finish(id, { finishedAt: at, status, inputs, outputVersion: 0 });
}

describe('assetStatus', () => {
  it('judges a cancelled or aborted newest run by the success before it, a failed one as failed', async () => {
    await record('kept', 'success');
    await record('kept', 'cancelled');
    await record('broken', 'success');
    await record('broken', 'failed');
    await record('moved', 'success', {});
    await record('moved', 'aborted');
    const status = await assetStatus(project, { engine, store });
    expect(status.map(({ name, status, lastRun }) => ({ name, status, last: lastRun?.status }))).toEqual([
      { name: 'kept', status: 'fresh', last: 'cancelled' },
      { name: 'broken', status: 'failed', last: 'failed' },
      { name: 'moved', status: 'stale', last: 'aborted' },
    ]);
    expect(status[2]?.staleInputs).toEqual([{ table: 'src', current: 0 }]);
  });
});

describe('assetStatus over many partitions', () => {
  /**
   * What status gave before the store kept a summary: each key's newest finished and newest
   * successful run found in the whole history (newest first), judged against `src`'s version.
   */
  function fromHistory(history: readonly AssetRun[], assets: readonly string[], srcVersion: number): AssetStatus[] {
    const entries: AssetStatus[] = [];
    for (const asset of assets) {
      const runs = history.filter((r) => r.asset === asset);
      const keys = [...new Set(runs.filter((r) => r.status !== 'running').map((r) => r.partition ?? ''))].sort();
      if (keys.length === 0) entries.push({ name: asset, status: 'never' });
      for (const key of keys) {
        const mine = runs.filter((r) => (r.partition ?? '') === key);
        const finished = mine.find((r) => r.status !== 'running') as AssetRun;
        const success = mine.find((r) => r.status === 'success');
        const entry: AssetStatus = {
          name: asset,
          ...(key === '' ? {} : { partition: key }),
          status: 'never',
          lastRun: {
            id: finished.id,
            status: finished.status,
            startedAt: finished.startedAt,
            ...(finished.finishedAt === undefined ? {} : { finishedAt: finished.finishedAt }),
            ...(finished.outputVersion === undefined ? {} : { outputVersion: finished.outputVersion }),
          },
        };
        if (finished.status === 'failed') entries.push({ ...entry, status: 'failed' });
        else if (success === undefined) entries.push(entry);
        else {
          const read = success.inputs['src'];
          entries.push(
            read !== undefined && read >= srcVersion
              ? { ...entry, status: 'fresh' }
              : { ...entry, status: 'stale', staleInputs: [{ table: 'src', ...(read === undefined ? {} : { read }), current: srcVersion }] },
          );
        }
      }
    }
    return entries;
  }

  it('gives what the whole history gives, for every kind of history a partition can have', async () => {
    const root = path.join(await tempDir('aquifer-asset-status-many-'), 'project');
    const many = await Project.init(root);
    const { table } = await DeltaTable.create(many.tablePath('src'), { engine, data: { sql: "SELECT DATE '2025-01-01' AS day, 1 AS x" } });
    await table.append({ sql: "SELECT DATE '2025-01-02' AS day, 2 AS x" });
    await writeAssets(many, 'p', [
      { name: 'daily', kind: 'sql', sql: 'SELECT day, x FROM src', partitions: { type: 'daily', column: 'day', start: '2025-01-01' } },
      { name: 'whole', kind: 'sql', sql: 'SELECT x FROM src' },
      { name: 'unrun', kind: 'sql', sql: 'SELECT x FROM src' },
    ]);
    const runs = new SqliteRunStore(':memory:');
    try {
      const statuses = ['success', 'failed', 'cancelled', 'aborted'] as const;
      let n = 0;
      const start = async (asset: string, partition: string | undefined) => {
        const id = `m${++n}`;
        const at = new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
        await runs.start({ id, asset, ...(partition === undefined ? {} : { partition }), trigger: 'backfill', startedAt: at, status: 'running', inputs: {} });
        return { id, at };
      };
      const finish = (id: string, at: string, i: number) =>
        runs.finish(id, {
          finishedAt: at,
          status: statuses[i % 4] as AssetRun['status'],
          // Versions read: the current one, an older one, or none of src.
          inputs: i % 3 === 0 ? { src: 1 } : i % 3 === 1 ? { src: 0 } : {},
          ...(i % 4 === 0 ? { outputVersion: i } : {}),
        });
      for (let p = 0; p < 60; p++) {
        const partition = new Date(Date.UTC(2025, 0, 1 + p)).toISOString().slice(0, 10);
        // Between one and four runs per partition, of mixed ends; every fifth partition has two runs
        // finishing out of start order, and every seventh one a last run left running.
        const count = 1 + (p % 4);
        for (let r = 0; r < count; r++) {
          const run = await start('daily', partition);
          await finish(run.id, run.at, p * 7 + r);
        }
        if (p % 5 === 0) {
          const first = await start('daily', partition);
          const second = await start('daily', partition);
          await finish(second.id, second.at, p + 1);
          await finish(first.id, first.at, p + 2);
        }
        if (p % 7 === 0) await start('daily', partition);
      }
      for (let r = 0; r < 5; r++) {
        const run = await start('whole', undefined);
        await finish(run.id, run.at, r + 2);
      }
      const history = await runs.list({ limit: 100_000 });
      const expected = fromHistory(history, ['daily', 'whole', 'unrun'], 1);
      expect(new Set(expected.map((e) => e.status))).toEqual(new Set(['fresh', 'stale', 'failed', 'never']));
      expect(await assetStatus(many, { engine, store: runs })).toEqual(expected);
    } finally {
      await runs.close();
    }
  });
});
