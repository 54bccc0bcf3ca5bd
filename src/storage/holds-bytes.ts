import { ObjectNotFoundError } from './errors.js';
import type { ObjectStore } from './object-store.js';

/** What an object holds next to the bytes a writer meant to put there. */
export type HeldBytes = 'same' | 'different' | 'missing';

/**
 * Reads `key` back after a put whose outcome is ambiguous (a retried put-if-absent refused,
 * a connection lost mid-put): the first attempt may have written the object and lost its
 * response. Equal bytes count as this writer's: a Delta commit names data files with random
 * names and carries its commit time, so another writer's commit practically never matches
 * byte for byte, and if one did, the log would hold exactly what this writer meant to commit.
 * Errors other than a missing object are the caller's to judge.
 */
export async function holdsBytes(store: Pick<ObjectStore, 'get'>, key: string, bytes: Uint8Array): Promise<HeldBytes> {
  let stored: Uint8Array;
  try {
    stored = await store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return 'missing';
    throw error;
  }
  return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).equals(bytes) ? 'same' : 'different';
}
