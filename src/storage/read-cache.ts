import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log } from '../log.js';
import { StorageError } from './errors.js';

/** A download whose size is not the size the cache was told (a log that records a wrong size, an object replaced meanwhile). */
export class CachedSizeMismatchError extends StorageError {
  constructor(key: string, got: number, expected: number) {
    super(`Downloaded ${got} bytes of ${key}, expected ${expected}`, key);
  }
}

export interface ReadCacheOptions {
  /** Default: `$AQUIFER_CACHE/objects`, else `~/.cache/aquifer/objects`. */
  dir?: string;
  /** Evict least recently used files beyond this many bytes. Default 2 GiB. */
  maxBytes?: number;
}

/** Identifies one immutable version of a remote object: a changed object gets a new entry. */
export interface CacheIdentity {
  url: string;
  etag: string;
  size: number;
}

/**
 * Local copies of remote objects, for DuckDB, which reads local files only until it reads
 * S3 through httpfs. Entries are named by a hash of URL, ETag and size, so a rewritten
 * object is never served stale; Delta's data files, checkpoints and deletion vectors are
 * never rewritten anyway. Files appear by rename, so a reader never sees half of one.
 *
 * The size limit is soft: eviction runs after each download and may remove a file that
 * another process has just been handed (it then downloads it again on its next call).
 */
export class ReadCache {
  readonly dir: string;
  readonly maxBytes: number;
  private evicting: Promise<void> | undefined;
  private evictAgain: string | undefined;

  constructor(options: ReadCacheOptions = {}) {
    const cacheRoot = process.env['AQUIFER_CACHE'] ?? path.join(os.homedir(), '.cache', 'aquifer');
    this.dir = path.resolve(options.dir ?? path.join(cacheRoot, 'objects'));
    this.maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  }

  pathFor(id: CacheIdentity, key: string): string {
    const hash = createHash('sha256').update(`${id.url}\n${id.etag}\n${id.size}`).digest('hex');
    // Keep the extension: DuckDB picks readers by it (read_parquet does not care, but globbing does).
    const ext = path
      .extname(key)
      .replace(/[^.a-zA-Z0-9]/g, '')
      .slice(0, 16);
    return path.join(this.dir, hash.slice(0, 2), `${hash}${ext}`);
  }

  /** The cached file for `id`, downloading it with `fill` when absent. */
  async get(id: CacheIdentity, key: string, fill: (tempFile: string) => Promise<void>): Promise<string> {
    const target = this.pathFor(id, key);
    try {
      const now = new Date();
      // Touch for least-recently-used eviction; a miss throws ENOENT.
      await fs.utimes(target, now, now);
      return target;
    } catch {
      // not cached yet
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomUUID()}.part`;
    try {
      await fill(temp);
      const { size } = await fs.stat(temp);
      if (size !== id.size) throw new CachedSizeMismatchError(key, size, id.size);
      await fs.rename(temp, target);
    } finally {
      await fs.rm(temp, { force: true });
    }
    this.evictSoon(target);
    return target;
  }

  private evictSoon(keep: string): void {
    // A download that lands while an eviction runs may not have been counted by it: run again.
    if (this.evicting !== undefined) {
      this.evictAgain = keep;
      return;
    }
    this.evicting = (async () => {
      let next: string | undefined = keep;
      while (next !== undefined) {
        this.evictAgain = undefined;
        await this.evict(next);
        next = this.evictAgain;
      }
    })()
      .catch((error: unknown) => log.warn({ err: error, dir: this.dir }, 'evicting from the read cache failed'))
      .finally(() => {
        this.evicting = undefined;
      });
  }

  private async evict(keep: string): Promise<void> {
    const files: { file: string; size: number; used: number }[] = [];
    for (const sub of await fs.readdir(this.dir).catch(() => [] as string[])) {
      const folder = path.join(this.dir, sub);
      for (const name of await fs.readdir(folder).catch(() => [] as string[])) {
        if (name.endsWith('.part')) continue;
        const file = path.join(folder, name);
        const stat = await fs.stat(file).catch(() => undefined);
        if (stat?.isFile() === true) files.push({ file, size: stat.size, used: stat.mtimeMs });
      }
    }
    let total = files.reduce((sum, f) => sum + f.size, 0);
    files.sort((a, b) => a.used - b.used);
    for (const f of files) {
      if (total <= this.maxBytes) break;
      if (f.file === keep) continue;
      await fs.rm(f.file, { force: true });
      total -= f.size;
    }
  }

  /** Wait for a running eviction (tests). */
  async settled(): Promise<void> {
    await this.evicting;
  }
}
