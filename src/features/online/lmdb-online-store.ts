import { createHash } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { open, type RootDatabase } from 'lmdb';
import { isNewer, type OnlineRow, type OnlineStore } from './online-store.js';

/** LMDB's key size limit (MDB_MAXKEYSIZE, in bytes): longer keys are stored under a digest. */
const LMDB_MAX_KEY_BYTES = 511;

/**
 * A row stored under the digest of its key, with the full key beside it: a read
 * compares the key, so a digest collision could only miss, never serve another entity.
 */
interface DigestEntry {
  fullKey: string;
  row: OnlineRow;
}

type Stored = OnlineRow | DigestEntry | string;

/**
 * The embedded online store: LMDB (memory-mapped, ACID, readers never block) in the
 * project's `.aquifer/online/`. Keys are `<view>\u0000<entity key>`; a key over LMDB's
 * 511 bytes is stored as `\u0002` and the SHA-256 of the key, which holds no `\u0000`
 * and so never equals a direct key.
 */
export class LmdbOnlineStore implements OnlineStore {
  private constructor(private readonly db: RootDatabase<Stored, string>) {}

  static open(path: string): LmdbOnlineStore {
    return new LmdbOnlineStore(open<Stored, string>({ path, compression: false }));
  }

  async write(view: string, rows: readonly OnlineRow[]): Promise<number> {
    // One write transaction for the batch: the newer-than check and the put are atomic.
    return this.db.transaction(() => {
      let written = 0;
      for (const row of rows) {
        const fullKey = storedKey(view, row.key);
        const key = lmdbKey(fullKey);
        if (isNewer(row, rowOf(this.db.get(key), fullKey))) {
          void this.db.put(key, entry(key, fullKey, row));
          written++;
        }
      }
      return written;
    });
  }

  async replace(view: string, rows: readonly OnlineRow[]): Promise<void> {
    await this.db.transaction(() => {
      for (const row of rows) {
        const fullKey = storedKey(view, row.key);
        const key = lmdbKey(fullKey);
        void this.db.put(key, entry(key, fullKey, row));
      }
    });
  }

  async read(view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]> {
    const fullKeys = keys.map((k) => storedKey(view, k));
    const found = await this.db.getMany(fullKeys.map(lmdbKey));
    return found.map((stored, i) => rowOf(stored, fullKeys[i] as string));
  }

  async delete(view: string, keys: readonly string[]): Promise<number> {
    return this.db.transaction(() => {
      let deleted = 0;
      for (const k of keys) {
        const fullKey = storedKey(view, k);
        const key = lmdbKey(fullKey);
        if (rowOf(this.db.get(key), fullKey) === undefined) continue;
        void this.db.remove(key);
        deleted++;
      }
      return deleted;
    });
  }

  async getMeta(name: string): Promise<string | undefined> {
    const value = this.db.get(`\u0001meta\u0000${name}`);
    return typeof value === 'string' ? value : undefined;
  }

  async setMeta(name: string, value: string): Promise<void> {
    await this.db.put(`\u0001meta\u0000${name}`, value);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Copy the live entries of the LMDB environment at `path` into a fresh one and put it in
 * its place. LMDB frees a deleted entry's page for reuse without clearing it, so the bytes
 * of a removed row stay in the file until the page is written again; after an erasure only
 * a rebuilt file is sure to hold none of them. No other process may have it open meanwhile.
 */
export async function rebuildLmdb(path: string): Promise<void> {
  // No extension: lmdb-js makes a folder (data.mdb, lock.mdb) of such a path, as the store itself is.
  const fresh = `${path}-rebuild`;
  await rm(fresh, { recursive: true, force: true });
  const source = open<Stored, string>({ path, compression: false });
  const target = open<Stored, string>({ path: fresh, compression: false });
  try {
    await target.transaction(() => {
      for (const { key, value } of source.getRange()) void target.put(key, value);
    });
  } finally {
    await source.close();
    await target.close();
  }
  await rm(path, { recursive: true, force: true });
  await rename(fresh, path);
}

function storedKey(view: string, entity: string): string {
  return `${view}\u0000${entity}`;
}

function lmdbKey(fullKey: string): string {
  if (Buffer.byteLength(fullKey) <= LMDB_MAX_KEY_BYTES) return fullKey;
  return `\u0002${createHash('sha256').update(fullKey).digest('hex')}`;
}

function entry(key: string, fullKey: string, row: OnlineRow): OnlineRow | DigestEntry {
  return key === fullKey ? row : { fullKey, row };
}

/** The row stored for `fullKey`, if what LMDB returned is one (not bookkeeping, not another key's digest entry). */
function rowOf(stored: Stored | undefined, fullKey: string): OnlineRow | undefined {
  if (stored === undefined || typeof stored === 'string') return undefined;
  if ('fullKey' in stored) return stored.fullKey === fullKey ? stored.row : undefined;
  return stored;
}
