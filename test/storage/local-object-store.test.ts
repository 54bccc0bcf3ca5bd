import { promises as fs } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
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

  it('stats only the head of a folder a takeWhile listing ends early, so a long log costs one readdir', async () => {
    const store = await fresh();
    for (let v = 0; v < 200; v++) await store.put(`_delta_log/${String(v).padStart(20, '0')}.json`, '{}');
    const stat = vi.spyOn(fs, 'stat');
    try {
      const head = await store.list('_delta_log', { takeWhile: (m) => m.path < '_delta_log/00000000000000000003.json' });
      expect(head.map((m) => path.basename(m.path))).toEqual([0, 1, 2].map((v) => `${String(v).padStart(20, '0')}.json`));
      // The three taken and the one refused.
      expect(stat).toHaveBeenCalledTimes(4);
    } finally {
      stat.mockRestore();
    }
  });
});
