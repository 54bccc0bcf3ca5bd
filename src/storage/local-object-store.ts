import { randomUUID } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { log } from '../log.js';
import { ObjectAlreadyExistsError, ObjectNotFoundError, StorageError } from './errors.js';
import { takeWhileListed } from './list-take-while.js';
import type { KnownObject, ListOptions, ObjectMeta, ObjectStore, PutOptions } from './object-store.js';

export const STAGING_DIR = '_staging';

export interface LocalStoreOptions {
  /**
   * Whether a write returns only once it is on stable storage, as an acknowledged PUT
   * to S3 is: the file and the folder naming it are flushed (fsync) before a put or a
   * publish returns, so a commit never outlives the data files it names. On by default.
   * Off, everything still survives a killed process (the page cache outlives it), but
   * not an operating-system crash or power loss.
   */
  durable?: boolean;
}

/**
 * An object store over a folder on the local disk.
 *
 * put-if-absent writes a temporary file, flushes it, then hard-links it into place:
 * link(2) fails with EEXIST when the target exists, so exactly one of two racing
 * writers wins and nobody ever sees a half-written file.
 */
export class LocalObjectStore implements ObjectStore {
  readonly root: string;
  readonly url: string;
  readonly durable: boolean;

  constructor(root: string, options: LocalStoreOptions = {}) {
    this.root = path.resolve(root);
    this.url = pathToFileURL(this.root).href;
    this.durable = options.durable ?? true;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ObjectMeta[]> {
    const base = this.resolve(prefix);
    if (options.takeWhile !== undefined && options.recursive !== true) return this.listWhile(base, prefix, options.startAfter, options.takeWhile);
    const found: ObjectMeta[] = [];
    await this.walk(base, prefix, options.recursive === true, options.startAfter, found);
    found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return takeWhileListed(found, options);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await fs.readFile(this.resolve(key));
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(this.resolve(key), 'r');
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } catch (error) {
      throw this.translate(error, key);
    } finally {
      await handle?.close();
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    try {
      const stat = await fs.stat(this.resolve(key));
      if (!stat.isFile()) return undefined;
      return { path: key, size: stat.size, lastModified: modified(stat) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.translate(error, key);
    }
  }

  async put(key: string, data: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const target = this.resolve(key);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
    try {
      const created = await fs.mkdir(path.dirname(target), { recursive: true });
      const handle = await fs.open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
      try {
        await handle.writeFile(data);
        if (this.durable) await handle.sync();
      } finally {
        await handle.close();
      }
      if (options.ifAbsent === true) {
        try {
          await fs.link(temp, target);
        } catch (error) {
          if (isCode(error, 'EEXIST')) throw new ObjectAlreadyExistsError(key);
          throw error;
        }
      } else {
        await fs.rename(temp, target);
      }
      // The object is in place: from here a failure must not report the put as failed
      // (a commit would stand while its writer deleted the files it names).
      await this.syncFolders(path.dirname(target), created).catch((error: unknown) => {
        log.warn({ err: error, key }, 'written, but flushing the folders that name it failed; it may not survive a power loss');
      });
    } catch (error) {
      throw this.translate(error, key);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.rm(this.resolve(key), { force: true });
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  async localPath(key: string): Promise<string> {
    return this.resolve(key);
  }

  engineLocation(key: string): string {
    return this.resolve(key);
  }

  async immutableLocations(keys: readonly (string | KnownObject)[]): Promise<string[]> {
    return keys.map((key) => this.resolve(typeof key === 'string' ? key : key.path));
  }

  /** DuckDB opens local files with no setup. */
  async engineAccess(): Promise<undefined> {
    return undefined;
  }

  /**
   * Staging folders live under `_staging/` in the root: on the same file system, so
   * publishing is a rename, and under a name Delta readers and vacuum skip (leading _).
   */
  async stagingDir(): Promise<string> {
    const dir = path.join(this.root, STAGING_DIR, randomUUID());
    try {
      await fs.mkdir(dir);
    } catch (error) {
      // Only the first write (or one after a cleanup) has to make the parents, perhaps the
      // root itself: the folders naming a new root are flushed, so a new table survives.
      if (!isNotFound(error)) throw this.translate(error, dir);
      const created = await fs.mkdir(dir, { recursive: true });
      await this.syncFolders(this.root, created === undefined || created.startsWith(this.root + path.sep) ? undefined : created);
    }
    return dir;
  }

  async publishLocal(localFile: string, key: string): Promise<void> {
    const target = this.resolve(key);
    try {
      if (this.durable) {
        // DuckDB does not flush the files it writes.
        const handle = await fs.open(localFile, 'r');
        try {
          await handle.datasync();
        } finally {
          await handle.close();
        }
      }
      const created = await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(localFile, target);
      await this.syncFolders(path.dirname(target), created);
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  /**
   * Flush the folder that now names a file and every folder above it up to the root: a
   * rename is durable only once its folder is, and a folder only once its parent names
   * it (another writer may have made it and not flushed its parent yet; flushing a
   * folder with nothing pending is cheap). Where mkdir made the root itself (`created`
   * is the first folder it made), the folders above the root that name it too.
   */
  private async syncFolders(folder: string, created: string | undefined): Promise<void> {
    if (!this.durable) return;
    const folders: string[] = [];
    for (let dir = folder; ; dir = path.dirname(dir)) {
      folders.push(dir);
      if (dir === this.root || dir === path.dirname(dir) || !dir.startsWith(this.root)) break;
    }
    if (created !== undefined && !created.startsWith(this.root + path.sep)) {
      for (let dir = path.dirname(this.root); ; dir = path.dirname(dir)) {
        folders.push(dir);
        if (dir === path.dirname(created) || dir === path.dirname(dir)) break;
      }
    }
    for (const dir of new Set(folders)) {
      const handle = await fs.open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }

  async discardStaging(dir: string): Promise<void> {
    try {
      // Usually empty by now (its files were published): one rmdir instead of a recursive walk.
      await fs.rmdir(dir);
    } catch {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  private resolve(key: string): string {
    const resolved = path.resolve(this.root, key);
    if (resolved !== this.root && !resolved.startsWith(this.root + path.sep)) {
      throw new StorageError(`Path ${key} escapes the store root ${this.root}`, key);
    }
    return resolved;
  }

  /** Collect files under dir; names at or before `startAfter` are skipped before any stat, so long logs list cheaply. */
  /**
   * A flat listing that ends at the first object `takeWhile` refuses, as S3's paged LIST
   * lets a caller stop: names are sorted before any stat, so a long folder of which only
   * the head is wanted (a table's expired log files) costs one readdir and a stat per
   * object taken, not one per object in it.
   */
  private async listWhile(dir: string, prefix: string, startAfter: string | undefined, takeWhile: (object: ObjectMeta) => boolean): Promise<ObjectMeta[]> {
    const files = (await this.entries(dir, prefix))
      .filter((entry) => entry.isFile())
      .map((entry) => ({ name: entry.name, key: keyIn(prefix, entry.name) }))
      .filter(({ key }) => startAfter === undefined || key > startAfter)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const taken: ObjectMeta[] = [];
    for (const { name, key } of files) {
      const meta = await this.meta(path.join(dir, name), key);
      if (meta === undefined) continue;
      if (!takeWhile(meta)) break;
      taken.push(meta);
    }
    return taken;
  }

  private async entries(dir: string, prefix: string): Promise<import('node:fs').Dirent[]> {
    try {
      return await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error) || isCode(error, 'ENOTDIR')) return [];
      throw this.translate(error, prefix);
    }
  }

  /** An object's listing entry; undefined when it was removed since the folder was read. */
  private async meta(full: string, key: string): Promise<ObjectMeta | undefined> {
    try {
      const stat = await fs.stat(full);
      return { path: key, size: stat.size, lastModified: modified(stat) };
    } catch (error) {
      if (!isNotFound(error)) throw this.translate(error, key);
      return undefined;
    }
  }

  private async walk(dir: string, prefix: string, recursive: boolean, startAfter: string | undefined, found: ObjectMeta[]): Promise<void> {
    const entries = await this.entries(dir, prefix);
    const keyOf = (name: string) => keyIn(prefix, name);
    // Filter before any stat: a long log listed from a start key costs one readdir.
    const wanted = entries.filter((entry) =>
      entry.isDirectory() ? recursive : entry.isFile() && (startAfter === undefined || keyOf(entry.name) > startAfter),
    );
    await Promise.all(
      wanted.map(async (entry) => {
        const key = keyOf(entry.name);
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          await this.walk(full, key, true, startAfter, found);
          return;
        }
        // A file removed between readdir and stat is simply no longer listed.
        const meta = await this.meta(full, key);
        if (meta !== undefined) found.push(meta);
      }),
    );
  }

  private translate(error: unknown, key: string): Error {
    if (error instanceof ObjectAlreadyExistsError || error instanceof StorageError || error instanceof ObjectNotFoundError) {
      return error;
    }
    if (isNotFound(error)) return new ObjectNotFoundError(key, error);
    const message = error instanceof Error ? error.message : String(error);
    return new StorageError(`Storage operation failed on ${key}: ${message}`, key, error);
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function isNotFound(error: unknown): boolean {
  return isCode(error, 'ENOENT');
}

/**
 * Modification time in whole milliseconds, truncated as Java's File.lastModified gives
 * it (Node rounds the sub-millisecond part): commit times from file times must agree
 * with Spark's to the millisecond.
 */
function modified(stat: { mtimeMs: number }): Date {
  return new Date(Math.floor(stat.mtimeMs));
}

/** The key of `name` in the folder listed as `prefix`. */
function keyIn(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix.replace(/\/$/, '')}/${name}`;
}
