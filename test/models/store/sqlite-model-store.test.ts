import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDatabase, SqlModelStore } from '../../../src/models/index.js';
import { runModelStoreContract } from '../../contracts/model-store.contract.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function fileStore(dir?: string): Promise<{ store: SqlModelStore; dir: string }> {
  const root = dir ?? (await mkdtemp(path.join(os.tmpdir(), 'aquifer-models-')));
  if (dir === undefined) dirs.push(root);
  return { store: await SqlModelStore.open(new SqliteDatabase(path.join(root, '.aquifer', 'models.db'))), dir: root };
}

runModelStoreContract('SQLite in the project', async () => (await fileStore()).store);

describe('the SQLite model store', () => {
  it('keeps what was logged across a reopen, and two stores on one file see each other', async () => {
    const { store, dir } = await fileStore();
    const other = (await fileStore(dir)).store;
    try {
      await store.createRegisteredModel('m');
      await other.createModelVersion({ name: 'm', source: 'models:/m-1' });
      expect((await store.getRegisteredModel('m')).name).toBe('m');
      expect((await store.listModelVersions({ names: ['m'] })).items.map((v) => v.version)).toEqual([1]);
    } finally {
      await store.close();
      await other.close();
    }
    const reopened = (await fileStore(dir)).store;
    try {
      expect((await reopened.getModelVersion('m', 1)).source).toBe('models:/m-1');
    } finally {
      await reopened.close();
    }
  });
});
