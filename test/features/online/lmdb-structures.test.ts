import path from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { LmdbOnlineStore, rebuildLmdb } from '../../../src/features/index.js';
import { tempDir } from '../../support/temp.js';

const row = (key: string, amount: number) => ({ key, eventTs: 1_714_521_600_000, values: { amount, country: 'NZ' } });

describe('the LMDB online store keeps its record structures once', () => {
  it('stores a row without the names of its fields, which the environment keeps once for every row', async () => {
    const at = path.join(await tempDir('aquifer-lmdb-structures-'), 'online');
    const store = LmdbOnlineStore.open(at);
    await store.write('v', [row('a', 1.5), row('b', 2.5)]);
    expect(await store.read('v', ['a', 'b', 'c'])).toEqual([row('a', 1.5), row('b', 2.5), undefined]);
    await store.close();
    const raw = open({ path: at, compression: false, readOnly: true });
    try {
      const bytes = raw.getBinary('v\u0000a');
      expect(bytes?.includes('eventTs')).toBe(false);
      expect(bytes?.includes('country')).toBe(false);
      expect(bytes?.includes('NZ')).toBe(true);
    } finally {
      await raw.close();
    }
  });

  it('reads rows written with their structure in every value (as stores made before kept them), and rebuilds them', async () => {
    const at = path.join(await tempDir('aquifer-lmdb-structures-'), 'online');
    const before = open({ path: at, compression: false });
    await before.put('v\u0000a', row('a', 1.5));
    expect(before.getBinary('v\u0000a')?.includes('eventTs')).toBe(true);
    await before.close();
    const store = LmdbOnlineStore.open(at);
    await store.write('v', [row('b', 2.5)]);
    expect(await store.read('v', ['a', 'b'])).toEqual([row('a', 1.5), row('b', 2.5)]);
    await store.close();
    await rebuildLmdb(at);
    const rebuilt = LmdbOnlineStore.open(at);
    try {
      expect(await rebuilt.read('v', ['a', 'b'])).toEqual([row('a', 1.5), row('b', 2.5)]);
    } finally {
      await rebuilt.close();
    }
  });
});
