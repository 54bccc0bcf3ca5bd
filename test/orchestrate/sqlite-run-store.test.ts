import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RUN_STORE_SCHEMA_VERSION, SqliteRunStore } from '../../src/orchestrate/index.js';
import { runRunStoreContract } from '../contracts/run-store.contract.js';
import { tempDir } from '../support/temp.js';

/** The SQLite run history: the store contract, version 1 and 2 files brought up, and a schema it does not know. */
runRunStoreContract('SQLite', async () => new SqliteRunStore(path.join(await tempDir('aquifer-run-store-'), 'runs.db')));

describe('SqliteRunStore', () => {
  it('brings a version 1 file up, its runs kept as first attempts', async () => {
    const file = path.join(await tempDir('aquifer-run-store-'), 'runs.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE asset_runs (id TEXT PRIMARY KEY, asset TEXT NOT NULL, partition TEXT NOT NULL DEFAULT '', trigger TEXT NOT NULL,
      started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, error_code TEXT, error_message TEXT, inputs TEXT NOT NULL DEFAULT '{}',
      output_version INTEGER, seq INTEGER NOT NULL);
      INSERT INTO asset_runs VALUES ('old', 'a', '', 'manual', '2024-05-01T00:00:00.000Z', '2024-05-01T00:01:00.000Z', 'success', NULL, NULL, '{"src":1}', 0, 1);`);
    db.pragma('user_version = 1');
    db.close();
    const store = new SqliteRunStore(file);
    expect(await store.get('old')).toEqual({
      id: 'old',
      asset: 'a',
      trigger: 'manual',
      startedAt: '2024-05-01T00:00:00.000Z',
      finishedAt: '2024-05-01T00:01:00.000Z',
      status: 'success',
      inputs: { src: 1 },
      outputVersion: 0,
    });
    expect(await store.requestCancel('old')).toBe(false);
    await store.close();
  });

  it('builds the summary of a version 2 file from its history when opened', async () => {
    const file = path.join(await tempDir('aquifer-run-store-'), 'runs.db');
    const store = new SqliteRunStore(file);
    const started = { trigger: 'manual', startedAt: '2024-05-01T00:00:00.000Z', status: 'running', inputs: {} } as const;
    for (const [id, partition, status] of [
      ['w1', undefined, 'success'],
      ['w2', undefined, 'failed'],
      ['p1', '2024-05-01', 'success'],
      ['p2', '2024-05-01', 'aborted'],
      ['p3', '2024-05-01', 'running'],
      ['q1', '2024-05-02', 'cancelled'],
    ] as const) {
      await store.start({ id, asset: 'a', ...(partition === undefined ? {} : { partition }), ...started });
      if (status !== 'running') await store.finish(id, { status, finishedAt: '2024-05-01T00:01:00.000Z', inputs: { src: id.length } });
    }
    const expected = await store.latest();
    await store.close();
    // What version 2 was: the same file without the summary.
    const db = new Database(file);
    db.exec('DROP TRIGGER asset_latest_on_insert; DROP TRIGGER asset_latest_on_finish; DROP TABLE asset_latest;');
    db.pragma('user_version = 2');
    db.close();
    const reopened = new SqliteRunStore(file);
    expect(await reopened.latest()).toEqual(expected);
    expect(expected.map((l) => [l.partition, l.finished.id, l.successInputs])).toEqual([
      [undefined, 'w2', { src: 2 }],
      ['2024-05-01', 'p2', { src: 2 }],
      ['2024-05-02', 'q1', undefined],
    ]);
    // And keeps it from then on.
    await reopened.start({ id: 'w3', asset: 'a', ...started });
    await reopened.finish('w3', { status: 'success', inputs: { src: 9 } });
    expect((await reopened.latest([{ asset: 'a' }]))[0]).toMatchObject({ finished: { id: 'w3', status: 'success' }, successInputs: { src: 9 } });
    await reopened.close();
  });

  it('refuses a file written with a newer schema version', async () => {
    const file = path.join(await tempDir('aquifer-run-store-'), 'runs.db');
    const db = new Database(file);
    db.pragma(`user_version = ${RUN_STORE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteRunStore(file)).toThrow(expect.objectContaining({ code: 'ASSET_RUN_STORE_INVALID' }) as Error);
  });
});
