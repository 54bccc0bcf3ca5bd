import type { ObjectStore } from '../../storage/index.js';
import { parseActionLines, type Action } from '../actions/index.js';

export async function readJsonLogFile(store: ObjectStore, key: string): Promise<Action[]> {
  return parseActionLines(new TextDecoder().decode(await store.get(key)), key);
}

/** Run `work` over items with at most `limit` in flight, keeping the results in order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}
