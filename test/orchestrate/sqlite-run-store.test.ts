import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RUN_STORE_SCHEMA_VERSION, SqliteRunStore, type AssetRun } from '../../src/orchestrate/index.js';
import { tempDir } from '../support/temp.js';

/** The SQLite run history: what it keeps of a run, which run is the latest, and a schema it does not know. */
const run = (id: string, asset: string, partition?: string): AssetRun => ({
  id,
  asset,
  ...(partition === undefined ? {} : { partition }),
  trigger: 'manual',
  startedAt: '2024-05-01T00:00:00.000Z',
  status: 'running',
  inputs: {},
});

describe('SqliteRunStore', () => {
  it('keeps a run from start to finish, and the latest finished and successful run per asset and partition', async () => {
    const store = new SqliteRunStore(path.join(await tempDir('aquifer-run-store-'), 'runs.db'));
    await store.start(run('a1', 'a'));
    await store.finish('a1', { status: 'success', finishedAt: '2024-05-01T00:01:00.000Z', inputs: { src: 3 }, outputVersion: 0 });
    await store.start(run('a2', 'a'));
    await store.finish('a2', { status: 'failed', inputs: { src: 4 }, error: { code: 'ENGINE_QUERY_FAILED', message: 'boom' } });
    await store.start(run('a3', 'a', '2024-05-01'));
    await store.start(run('a4', 'a'));
    expect(await store.get('a1')).toEqual({
      ...run('a1', 'a'),
      status: 'success',
      finishedAt: '2024-05-01T00:01:00.000Z',
      inputs: { src: 3 },
      outputVersion: 0,
    });
    expect((await store.get('a2'))?.error).toEqual({ code: 'ENGINE_QUERY_FAILED', message: 'boom' });
    expect((await store.list()).map((r) => r.id)).toEqual(['a4', 'a3', 'a2', 'a1']);
    expect((await store.latestFinished()).map((r) => r.id)).toEqual(['a2']);
    expect((await store.latestSuccessful()).map((r) => r.id)).toEqual(['a1']);
    await store.close();
  });

  it('refuses a file written with a newer schema version', async () => {
    const file = path.join(await tempDir('aquifer-run-store-'), 'runs.db');
    const db = new Database(file);
    db.pragma(`user_version = ${RUN_STORE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteRunStore(file)).toThrow(expect.objectContaining({ code: 'ASSET_RUN_STORE_INVALID' }) as Error);
  });
});
