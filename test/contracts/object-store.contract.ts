import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/storage/index.js';

/**
 * What every ObjectStore backend must honour. Each backend's test calls this with a
 * factory for a fresh, empty store.
 */
export function runObjectStoreContract(name: string, create: () => Promise<ObjectStore>, options: { skip?: string } = {}): void {
  describe.skipIf(options.skip !== undefined)(`${name} honours the ObjectStore contract`, () => {
    it('reads back what it stored', async () => {
      const store = await create();
      await store.put('a/b.txt', 'hello');
      expect(new TextDecoder().decode(await store.get('a/b.txt'))).toBe('hello');
      expect((await store.head('a/b.txt'))?.size).toBe(5);
    });

    it('reads a byte range', async () => {
      const store = await create();
      await store.put('r.bin', Uint8Array.from([0, 1, 2, 3, 4, 5]));
      expect([...(await store.getRange('r.bin', 2, 3))]).toEqual([2, 3, 4]);
    });

    it('refuses put-if-absent on an existing key and keeps the first content', async () => {
      const store = await create();
      await store.put('_delta_log/00000000000000000000.json', 'first', { ifAbsent: true });
      await expect(store.put('_delta_log/00000000000000000000.json', 'second', { ifAbsent: true })).rejects.toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
      expect(new TextDecoder().decode(await store.get('_delta_log/00000000000000000000.json'))).toBe('first');
    });

    it('lets exactly one of many racing put-if-absent writers win', async () => {
      const store = await create();
      const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => store.put('race.json', `writer ${i}`, { ifAbsent: true })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'STORAGE_ALREADY_EXISTS' });
    });

    it('replaces content on a plain put', async () => {
      const store = await create();
      await store.put('x', 'one');
      await store.put('x', 'two');
      expect(new TextDecoder().decode(await store.get('x'))).toBe('two');
    });

    it('lists a folder sorted by key, after a start key, and recursively on request', async () => {
      const store = await create();
      for (const key of ['log/2.json', 'log/0.json', 'log/1.json', 'log/sub/x.json', 'other.txt']) await store.put(key, key);
      expect((await store.list('log')).map((m) => m.path)).toEqual(['log/0.json', 'log/1.json', 'log/2.json']);
      expect((await store.list('log', { startAfter: 'log/0.json' })).map((m) => m.path)).toEqual(['log/1.json', 'log/2.json']);
      expect((await store.list('log', { recursive: true })).map((m) => m.path)).toEqual(['log/0.json', 'log/1.json', 'log/2.json', 'log/sub/x.json']);
      expect(await store.list('missing')).toEqual([]);
    });

    it('ends a listing at the first object takeWhile refuses, leaving it and all after it out', async () => {
      const store = await create();
      for (const key of ['log/3.json', 'log/0.json', 'log/2.json', 'log/1.json']) await store.put(key, key);
      const upTo2 = (m: { path: string }): boolean => m.path < 'log/2.json';
      expect((await store.list('log', { takeWhile: upTo2 })).map((m) => m.path)).toEqual(['log/0.json', 'log/1.json']);
      expect((await store.list('log', { startAfter: 'log/0.json', takeWhile: upTo2 })).map((m) => m.path)).toEqual(['log/1.json']);
      expect(await store.list('log', { takeWhile: () => false })).toEqual([]);
      expect(await store.list('log', { takeWhile: () => true })).toHaveLength(4);
    });

    it('reports a missing object as STORAGE_NOT_FOUND and head as undefined', async () => {
      const store = await create();
      await expect(store.get('nope')).rejects.toMatchObject({ code: 'STORAGE_NOT_FOUND' });
      expect(await store.head('nope')).toBeUndefined();
    });

    it('deletes, and deleting a missing object is not an error', async () => {
      const store = await create();
      await store.put('d', 'x');
      await store.delete('d');
      await store.delete('d');
      expect(await store.head('d')).toBeUndefined();
    });

    it('gives DuckDB a local file holding the object', async () => {
      const store = await create();
      await store.put('data/f.txt', 'abc');
      const local = await store.localPath('data/f.txt');
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(local, 'utf8')).toBe('abc');
    });

    it('locates objects whose size and version the caller knows the same way, a missing or mis-sized one at its engine location', async () => {
      const store = await create();
      await store.put('data/one.bin', 'one');
      await store.put('data/two.bin', 'two');
      const locations = await store.immutableLocations([
        { path: 'data/two.bin', size: 3, version: '1' },
        { path: 'data/gone.bin', size: 4, version: '1' },
        { path: 'data/one.bin', size: 3, version: '1' },
        { path: 'data/one.bin', size: 99, version: '2' },
      ]);
      const { existsSync, readFileSync } = await import('node:fs');
      expect(locations[1]).toContain('data/gone.bin');
      expect(existsSync(locations[1] ?? '')).toBe(false);
      expect(locations[3]).toContain('data/one.bin');
      for (const [index, content] of [
        [0, 'two'],
        [2, 'one'],
      ] as const) {
        const location = locations[index] ?? '';
        if (existsSync(location)) expect(readFileSync(location, 'utf8')).toBe(content);
        else expect(location).toBe(await store.engineLocation(index === 0 ? 'data/two.bin' : 'data/one.bin'));
      }
    });

    it('locates immutable objects in order, as local files holding them or engine locations, and missing ones at their engine location', async () => {
      const store = await create();
      await store.put('data/one.bin', 'one');
      await store.put('data/two.bin', 'two');
      const locations = await store.immutableLocations(['data/two.bin', 'data/gone.bin', 'data/one.bin']);
      expect(locations).toHaveLength(3);
      const { existsSync, readFileSync } = await import('node:fs');
      // A missing object is named where DuckDB would read it remotely, so its read fails naming it.
      expect(locations[1]).toContain('data/gone.bin');
      expect(existsSync(locations[1] ?? '')).toBe(false);
      for (const [index, content] of [
        [0, 'two'],
        [2, 'one'],
      ] as const) {
        const location = locations[index] ?? '';
        if (existsSync(location)) expect(readFileSync(location, 'utf8')).toBe(content);
        else expect(location).toBe(await store.engineLocation(index === 0 ? 'data/two.bin' : 'data/one.bin'));
      }
    });
  });
}
