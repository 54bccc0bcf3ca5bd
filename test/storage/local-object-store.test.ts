import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../src/storage/index.js';
import { runObjectStoreContract } from '../contracts/object-store.contract.js';

const fresh = async () => new LocalObjectStore(await mkdtemp(path.join(os.tmpdir(), 'aquifer-store-')));

runObjectStoreContract('LocalObjectStore', fresh);

describe('LocalObjectStore', () => {
  it('leaves no temporary files behind after a lost put-if-absent race', async () => {
    const store = await fresh();
    await store.put('c.json', 'a', { ifAbsent: true });
    await expect(store.put('c.json', 'b', { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
    expect(await readdir(store.root)).toEqual(['c.json']);
  });

  it('refuses keys that escape the store root', async () => {
    const store = await fresh();
    await expect(store.get('../../etc/passwd')).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
  });
});
