import { describe, expect, it } from 'vitest';
import { entityKey, type OnlineStore } from '../../src/features/index.js';

/** What every OnlineStore backend must honour; each backend's test calls this with a factory for an empty store. */
export function runOnlineStoreContract(name: string, create: () => Promise<OnlineStore>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`${name} honours the OnlineStore contract`, () => {
    it('reads back what it stored, in the keys order, undefined where nothing is stored', async () => {
      const store = await create();
      try {
        await store.write('v', [
          { key: entityKey([1]), eventTs: 1000, values: { a: 1, b: 'x', c: null } },
          { key: entityKey([2]), eventTs: 2000, values: { a: 2, b: 'y', c: 1.5 } },
        ]);
        const rows = await store.read('v', [entityKey([2]), entityKey([3]), entityKey([1])]);
        expect(rows.map((r) => r?.values ?? null)).toEqual([{ a: 2, b: 'y', c: 1.5 }, null, { a: 1, b: 'x', c: null }]);
        expect(rows[0]?.eventTs).toBe(2000);
      } finally {
        await store.close();
      }
    });

    it('keeps the newest row: an older or equal event time does not replace, a later created time breaks ties', async () => {
      const store = await create();
      try {
        const key = entityKey(['k']);
        expect(await store.write('v', [{ key, eventTs: 2000, createdTs: 5, values: { x: 'first' } }])).toBe(1);
        expect(await store.write('v', [{ key, eventTs: 1000, values: { x: 'older' } }])).toBe(0);
        expect(await store.write('v', [{ key, eventTs: 2000, createdTs: 5, values: { x: 'same' } }])).toBe(0);
        expect(await store.write('v', [{ key, eventTs: 2000, createdTs: 6, values: { x: 'created later' } }])).toBe(1);
        expect(await store.write('v', [{ key, eventTs: 3000, values: { x: 'newer' } }])).toBe(1);
        expect((await store.read('v', [key]))[0]?.values).toEqual({ x: 'newer' });
      } finally {
        await store.close();
      }
    });

    it('replaces a row unconditionally, older or not, keeping nested values intact', async () => {
      const store = await create();
      try {
        const key = entityKey(['tiles']);
        await store.write('agg', [{ key, eventTs: 5000, values: { x: 1 } }]);
        const nested = {
          generation: 2,
          version: 7,
          tiles: { '60000': { newest: 61000, slots: { rows: 3, 'distinct:p': ['a', 'b'], 'last:p': [1, 2, 'b'] } } },
        };
        await store.replace('agg', [{ key, eventTs: 1000, values: { state: nested } }]);
        const [row] = await store.read('agg', [key]);
        expect(row?.eventTs).toBe(1000);
        expect(row?.values).toEqual({ state: nested });
      } finally {
        await store.close();
      }
    });

    it('keeps views apart and stores bookkeeping values', async () => {
      const store = await create();
      try {
        const key = entityKey([7]);
        await store.write('one', [{ key, eventTs: 1, values: { v: 1 } }]);
        expect((await store.read('two', [key]))[0]).toBeUndefined();
        expect(await store.getMeta('m')).toBeUndefined();
        await store.setMeta('m', '42');
        expect(await store.getMeta('m')).toBe('42');
      } finally {
        await store.close();
      }
    });

    it('stores keys of any length (2,000 bytes and more) with the same newest-wins, replace and view rules', async () => {
      const store = await create();
      try {
        const long = entityKey(['x'.repeat(2000)]);
        const longer = entityKey(['x'.repeat(2001)]);
        expect(await store.write('v', [{ key: long, eventTs: 2000, values: { x: 'first' } }])).toBe(1);
        expect(await store.write('v', [{ key: long, eventTs: 1000, values: { x: 'older' } }])).toBe(0);
        expect(await store.write('v', [{ key: long, eventTs: 2000, createdTs: 1, values: { x: 'created later' } }])).toBe(1);
        expect(await store.write('v', [{ key: longer, eventTs: 500, values: { x: 'other' } }])).toBe(1);
        const [row, other, missing] = await store.read('v', [long, longer, entityKey(['x'.repeat(2002)])]);
        expect(row).toEqual({ key: long, eventTs: 2000, createdTs: 1, values: { x: 'created later' } });
        expect(other?.values).toEqual({ x: 'other' });
        expect(missing).toBeUndefined();
        expect((await store.read('w', [long]))[0]).toBeUndefined();
        await store.replace('v', [{ key: long, eventTs: 1, values: { x: 'replaced' } }]);
        expect((await store.read('v', [long]))[0]?.values).toEqual({ x: 'replaced' });
      } finally {
        await store.close();
      }
    });

    it('deletes the rows of keys (long ones too) in one view only, counting those that were stored', async () => {
      const store = await create();
      try {
        const long = entityKey(['y'.repeat(2000)]);
        await store.write('v', [
          { key: entityKey([1]), eventTs: 1, values: { a: 1 } },
          { key: entityKey([2]), eventTs: 1, values: { a: 2 } },
          { key: long, eventTs: 1, values: { a: 3 } },
        ]);
        await store.write('w', [{ key: entityKey([1]), eventTs: 1, values: { a: 9 } }]);
        expect(await store.delete('v', [entityKey([1]), long, entityKey([4])])).toBe(2);
        expect((await store.read('v', [entityKey([1]), entityKey([2]), long])).map((r) => r?.values ?? null)).toEqual([null, { a: 2 }, null]);
        expect((await store.read('w', [entityKey([1])]))[0]?.values).toEqual({ a: 9 });
        expect(await store.delete('v', [])).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('never confuses a short key with a long one, whichever is written first', async () => {
      const store = await create();
      try {
        const short = entityKey(['k']);
        const long = entityKey(['k'.repeat(3000)]);
        await store.write('v', [{ key: long, eventTs: 1, values: { x: 'long' } }]);
        expect((await store.read('v', [short]))[0]).toBeUndefined();
        await store.write('v', [{ key: short, eventTs: 1, values: { x: 'short' } }]);
        const rows = await store.read('v', [long, short]);
        expect(rows.map((r) => r?.values['x'])).toEqual(['long', 'short']);
        expect(rows.map((r) => r?.key)).toEqual([long, short]);
      } finally {
        await store.close();
      }
    });
  });
}
