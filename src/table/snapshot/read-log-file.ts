import { createHash } from 'node:crypto';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/index.js';
import { parseActionLines, type Action } from '../actions/index.js';
import { InvalidLogError } from '../errors.js';

export async function readJsonLogFile(store: ObjectStore, key: string): Promise<Action[]> {
  return (await readJsonLogFileWithDigest(store, key)).actions;
}

/** A commit's actions and a digest of its bytes: the identity of that version of the table. */
export async function readJsonLogFileWithDigest(store: ObjectStore, key: string): Promise<{ actions: Action[]; digest: string }> {
  const bytes = await store.get(key);
  // Commits are put whole (put-if-absent of the complete file), so one with no bytes is damage,
  // not a version that changed nothing: reading it as empty would hide the lost actions.
  if (bytes.length === 0) throw new InvalidLogError(`The commit ${key} is empty (0 bytes)`, key);
  return { actions: parseActionLines(new TextDecoder().decode(bytes), key), digest: createHash('sha1').update(bytes).digest('hex') };
}

/** The digest of a commit file, or undefined when it is gone (one GET: a HEAD first would only add a round trip). */
export async function commitDigest(store: ObjectStore, key: string): Promise<string | undefined> {
  try {
    return createHash('sha1')
      .update(await store.get(key))
      .digest('hex');
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
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
