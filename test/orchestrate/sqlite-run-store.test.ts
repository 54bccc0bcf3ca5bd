import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RUN_STORE_SCHEMA_VERSION, SqliteRunStore } from '../../src/orchestrate/index.js';
import { runRunStoreContract } from '../contracts/run-store.contract.js';
import { tempDir } from '../support/temp.js';

/** The SQLite run history: the store contract, a version 1 file brought up, and a schema it does not know. */
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

  it('refuses a file written with a newer schema version', async () => {
    const file = path.join(await tempDir('aquifer-run-store-'), 'runs.db');
    const db = new Database(file);
    db.pragma(`user_version = ${RUN_STORE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new SqliteRunStore(file)).toThrow(expect.objectContaining({ code: 'ASSET_RUN_STORE_INVALID' }) as Error);
  });
});
