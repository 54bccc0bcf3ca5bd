import { LOCATE_CONCURRENCY, mapLimited } from './map-limited.js';
import type { ObjectMeta } from './object-store.js';

/** One remote store's part in `immutableLocations`. */
export interface ImmutableSource<Found extends { meta: ObjectMeta }> {
  /** The object's size and version (ETag), or undefined when it is missing. */
  head(key: string): Promise<Found | undefined>;
  /** A local copy of exactly that version, from the read cache. */
  cachedCopy(key: string, found: Found): Promise<string>;
  /** Where DuckDB reads the object remotely. */
  engineLocation(key: string): string;
  /** How many bytes of the cache one read may fill. */
  shareBytes: number;
}

/**
 * Objects are HEADed first (a few at a time, so thousands of files do not queue past the
 * connection timeout), then the cache share is handed out in the order given, so the same
 * read of the same files always caches the same ones. One read fills at most its share of
 * the cache: everything it is handed is then among the most recently used files, which its
 * own downloads never evict before DuckDB opens them. The rest, and missing objects, are
 * read remotely (a missing one then fails in DuckDB with the object's own name).
 */
export async function immutableLocations<Found extends { meta: ObjectMeta }>(keys: readonly string[], source: ImmutableSource<Found>): Promise<string[]> {
  const found = await mapLimited(keys, LOCATE_CONCURRENCY, (key) => source.head(key));
  let share = source.shareBytes;
  const cached = found.map((object) => {
    if (object === undefined || object.meta.size > share) return false;
    share -= object.meta.size;
    return true;
  });
  return mapLimited(keys, LOCATE_CONCURRENCY, async (key, index) => {
    const object = found[index];
    return object !== undefined && cached[index] === true ? source.cachedCopy(key, object) : source.engineLocation(key);
  });
}
