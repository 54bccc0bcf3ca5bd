import { open, type RootDatabase } from 'lmdb';
import { isNewer, type OnlineRow, type OnlineStore } from './online-store.js';

/**
 * The embedded online store: LMDB (memory-mapped, ACID, readers never block) in the
 * project's `.aquifer/online/`. Keys are `<view>\u0000<entity key>`.
 */
export class LmdbOnlineStore implements OnlineStore {
  private constructor(private readonly db: RootDatabase<OnlineRow | string, string>) {}

  static open(path: string): LmdbOnlineStore {
    return new LmdbOnlineStore(open<OnlineRow | string, string>({ path, compression: false }));
  }

  async write(view: string, rows: readonly OnlineRow[]): Promise<number> {
    // One write transaction for the batch: the newer-than check and the put are atomic.
    return this.db.transaction(() => {
      let written = 0;
      for (const row of rows) {
        const key = `${view}\u0000${row.key}`;
        const stored = this.db.get(key);
        if (isNewer(row, typeof stored === 'string' ? undefined : stored)) {
          void this.db.put(key, row);
          written++;
        }
      }
      return written;
    });
  }

  async replace(view: string, rows: readonly OnlineRow[]): Promise<void> {
    await this.db.transaction(() => {
      for (const row of rows) void this.db.put(`${view}\u0000${row.key}`, row);
    });
  }

  async read(view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]> {
    const found = await this.db.getMany(keys.map((k) => `${view}\u0000${k}`));
    return found.map((row) => (row === undefined || typeof row === 'string' ? undefined : row));
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
