import { createHash } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { AquiferError } from '../../errors.js';
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
 * How many stores this process has open, by folder. lmdb-js shares one environment per path
 * within a process, and LMDB's reader table does not tell this process's holders apart, so a
 * rebuild counts them here: one left open would keep the replaced file mapped and write to it.
 */
const openHere = new Map<string, number>();

/**
 * The embedded online store: LMDB (memory-mapped, ACID, readers never block) in the
 * project's `.aquifer/online/`. Keys are `<view>\u0000<entity key>`; a key over LMDB's
 * 511 bytes is stored as `\u0002` and the SHA-256 of the key, which holds no `\u0000`
 * and so never equals a direct key.
 */
export class LmdbOnlineStore implements OnlineStore {
  private closed = false;

  private constructor(
    private readonly db: RootDatabase<Stored, string>,
    private readonly folder: string,
  ) {}

  static open(path: string): LmdbOnlineStore {
    recoverRebuild(path);
    const store = new LmdbOnlineStore(openEnvironment(path), resolve(path));
    openHere.set(store.folder, (openHere.get(store.folder) ?? 0) + 1);
    return store;
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

  /**
   * Reads straight from the memory map on the caller's thread: a few microseconds a key while
   * the store is in the page cache, as a served store is. lmdb's `getMany` would first prefetch
   * the pages on libuv's thread pool and then read the same way; that round trip cost five
   * times the reads themselves on every request. A store much larger than memory, whose reads
   * would wait on the disk, belongs on Redis.
   */
  async read(view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]> {
    return keys.map((key) => {
      const fullKey = storedKey(view, key);
      return rowOf(this.db.get(lmdbKey(fullKey)), fullKey);
    });
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
    if (!this.closed) {
      this.closed = true;
      const left = (openHere.get(this.folder) ?? 1) - 1;
      if (left > 0) openHere.set(this.folder, left);
      else openHere.delete(this.folder);
    }
    await this.db.close();
  }
}

/**
 * The LMDB environment at `path`, values in MessagePack with their record structures (the
 * property names of a row and of its values) kept once in the environment under
 * STRUCTURES_KEY, as lmdb-js offers. Without it every value carries its structure and each
 * read compiles a reader for it: three times the cost of a read, on every key a lookup asks
 * for. Values written before, with their structure inline, still read.
 */
function openEnvironment(path: string): RootDatabase<Stored, string> {
  return open<Stored, string>({ path, compression: false, sharedStructuresKey: STRUCTURES_KEY });
}

/** Where the environment keeps its shared record structures (a key no row's string key can be). */
const STRUCTURES_KEY = Symbol.for('structures');

/** Where a rebuild keeps the new environment while copying, and the old one while swapping. */
const rebuilding = (path: string) => `${path}-rebuild`;
const replaced = (path: string) => `${path}-replaced`;

/**
 * Finish or undo a rebuild cut short between its two renames: the old environment moved
 * aside and the new one not yet in place. The new one is complete by then (it was closed
 * before the first rename), so it goes in; the old one is deleted once it is.
 */
function recoverRebuild(path: string): void {
  if (existsSync(path) || !existsSync(replaced(path))) return;
  renameSync(existsSync(rebuilding(path)) ? rebuilding(path) : replaced(path), path);
}

/** The other processes holding a read slot in the environment's lock file (stale slots of dead processes cleared first). */
function otherReaders(db: RootDatabase<Stored, string>): number[] {
  db.readerCheck();
  const pids = db
    .readerList()
    .split('\n')
    .map((line) => /^\s*(\d+)\s/.exec(line)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number);
  return [...new Set(pids)].filter((pid) => pid !== process.pid);
}

/**
 * What `rebuildLmdb` would refuse, asked before anything changes (an erasure checks it before it
 * deletes a row): FEATURE_ONLINE_STORE_BUSY while this process has the store open more than the
 * caller's own `ownHandles`, or another process's reader is in its lock file.
 */
export async function checkLmdbRebuildable(path: string, ownHandles: number): Promise<void> {
  if (!existsSync(path)) return;
  refuseOpenHere(path, ownHandles);
  const source = openEnvironment(path);
  try {
    refuseOtherReaders(source, path);
  } finally {
    await source.close();
  }
}

function refuseOpenHere(path: string, ownHandles: number): void {
  const here = (openHere.get(resolve(path)) ?? 0) - ownHandles;
  if (here > 0)
    throw new AquiferError('FEATURE_ONLINE_STORE_BUSY', `This process has the online store open ${here} time(s)`, {
      value: { process: process.pid, open: here },
      hint: 'Close them (a feature store, a materialization or asset run in this process) and run the erasure again: the rebuilt store must replace the file they read.',
    });
}

function refuseOtherReaders(source: RootDatabase<Stored, string>, path: string): void {
  const others = otherReaders(source);
  if (others.length > 0)
    throw new AquiferError('FEATURE_ONLINE_STORE_BUSY', `Processes ${others.join(', ')} have the online store at ${path} open`, {
      value: others,
      hint: 'Stop them (aquifer serve, a materialize run) and run the erasure again: the rebuilt store must replace the file they read.',
    });
}

/**
 * Copy the live entries of the LMDB environment at `path` into a fresh one and put it in
 * its place. LMDB frees a deleted entry's page for reuse without clearing it, so the bytes
 * of a removed row stay in the file until the page is written again; after an erasure only
 * a rebuilt file is sure to hold none of them. The swap renames the old folder aside, the
 * new one in, then deletes the old: at every moment one complete environment exists
 * (`open` finishes a swap a crash cut short). A process with the environment open keeps
 * reading the old file's pages, so the rebuild refuses (FEATURE_ONLINE_STORE_BUSY) when
 * the lock file lists another process's reader, or when a store this process opened is still
 * open (the server closes its own for an erasure it runs); another process that opened it but
 * has not read yet holds no slot and cannot be seen, so stop other servers before erasing.
 */
export async function rebuildLmdb(path: string): Promise<void> {
  recoverRebuild(path);
  refuseOpenHere(path, 0);
  // No extension: lmdb-js makes a folder (data.mdb, lock.mdb) of such a path, as the store itself is.
  const fresh = rebuilding(path);
  const aside = replaced(path);
  await rm(fresh, { recursive: true, force: true });
  await rm(aside, { recursive: true, force: true });
  const source = openEnvironment(path);
  const target = openEnvironment(fresh);
  try {
    refuseOtherReaders(source, path);
    await target.transaction(() => {
      for (const { key, value } of source.getRange()) void target.put(key, value);
    });
  } finally {
    await source.close();
    await target.close();
  }
  await rename(path, aside);
  await rename(fresh, path);
  await rm(aside, { recursive: true, force: true });
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
