import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { assetStatus, SqliteRunStore, type AssetRun } from '../../src/orchestrate/index.js';
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
