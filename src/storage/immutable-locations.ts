import { ObjectNotFoundError } from './errors.js';
import { LOCATE_CONCURRENCY, mapLimited } from './map-limited.js';
import { CachedSizeMismatchError } from './read-cache.js';
import type { KnownObject, ObjectMeta } from './object-store.js';

/** One remote store's part in `immutableLocations`. */
export interface ImmutableSource<Found extends { meta: ObjectMeta }> {
  /** The object's size and version (ETag), or undefined when it is missing. */
  head(key: string): Promise<Found | undefined>;
  /** What `head` would find for an object the caller already knows (from the Delta log), without asking the store. */
  known(object: KnownObject): Found;
  /** A local copy of exactly that version, from the read cache. */
  cachedCopy(key: string, found: Found): Promise<string>;
  /** Where DuckDB reads the object remotely. */
  engineLocation(key: string): string;
  /** How many bytes of the cache one read may fill. */
  shareBytes: number;
}

/**
 * Objects are HEADed first (a few at a time, so thousands of files do not queue past the
 * connection timeout), except those whose size and version the caller knows from the log:
 * Delta never rewrites a data file, checkpoint or deletion vector in place, so a warm read
 * of those asks the store nothing. Then the cache share is handed out in the order given,
 * so the same read of the same files always caches the same ones. One read fills at most
 * its share of the cache: everything it is handed is then among the most recently used
 * files, which its own downloads never evict before DuckDB opens them. The rest, and
 * missing objects, are read remotely (a missing one then fails in DuckDB with the
 * object's own name).
 */
export async function immutableLocations<Found extends { meta: ObjectMeta }>(
  objects: readonly (string | KnownObject)[],
  source: ImmutableSource<Found>,
): Promise<string[]> {
  const found = await mapLimited(objects, LOCATE_CONCURRENCY, async (object) => (typeof object === 'string' ? source.head(object) : source.known(object)));
  let share = source.shareBytes;
  const cached = found.map((object) => {
    if (object === undefined || object.meta.size > share) return false;
    share -= object.meta.size;
    return true;
  });
  return mapLimited(objects, LOCATE_CONCURRENCY, async (object, index) => {
    const key = typeof object === 'string' ? object : object.path;
    const located = found[index];
    if (located === undefined || cached[index] !== true) return source.engineLocation(key);
    try {
      return await source.cachedCopy(key, located);
    } catch (error) {
      // A known object that is gone, or not the size the log says (it was not looked up
      // first): read in place, where DuckDB names it if it fails.
      if (typeof object !== 'string' && (error instanceof ObjectNotFoundError || error instanceof CachedSizeMismatchError)) return source.engineLocation(key);
      throw error;
    }
  });
}
