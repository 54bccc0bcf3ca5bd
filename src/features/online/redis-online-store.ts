import { Redis } from 'ioredis';
import type { OnlineRow, OnlineStore } from './online-store.js';

/**
 * A row replaces the stored one only when newer, checked and set in one atomic step on
 * the server. ARGV: event ms, created ms, row JSON.
 */
const WRITE_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local stored = cjson.decode(current)
  local e, c = tonumber(ARGV[1]), tonumber(ARGV[2])
  if e < stored.eventTs or (e == stored.eventTs and c <= (stored.createdTs or 0)) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3])
return 1`;

/** The scale-out online store: Redis, keys `<prefix>:<view>:<entity key>`, written in pipelines. */
export class RedisOnlineStore implements OnlineStore {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('aquiferWriteIfNewer', { numberOfKeys: 1, lua: WRITE_IF_NEWER });
  }

  static connect(url: string, prefix = 'aquifer'): RedisOnlineStore {
    return new RedisOnlineStore(new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 }), prefix);
  }

  async write(view: string, rows: readonly OnlineRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const row of rows) {
      (pipeline as unknown as { aquiferWriteIfNewer: (...args: unknown[]) => void }).aquiferWriteIfNewer(
        this.key(view, row.key),
        String(row.eventTs),
        String(row.createdTs ?? 0),
        JSON.stringify(row),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    let written = 0;
    for (const [error, result] of results) {
      if (error !== null) throw error;
      if (result === 1) written++;
    }
    return written;
  }

  async replace(view: string, rows: readonly OnlineRow[]): Promise<void> {
    if (rows.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const row of rows) pipeline.set(this.key(view, row.key), JSON.stringify(row));
    for (const [error] of (await pipeline.exec()) ?? []) if (error !== null) throw error;
  }

  async read(view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys.map((k) => this.key(view, k)));
    return values.map((v) => (v === null ? undefined : (JSON.parse(v) as OnlineRow)));
  }

  async delete(view: string, keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.redis.del(...keys.map((k) => this.key(view, k)));
  }

  /** Keys under this store's prefix whose key or value contains any of `values` (an erasure's proof), with which (by position). */
  async keysHolding(values: readonly string[]): Promise<{ key: string; values: number[] }[]> {
    const found: { key: string; values: number[] }[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      const stored = keys.length === 0 ? [] : await this.redis.mget(...keys);
      keys.forEach((key, i) => {
        const text = `${key}\n${stored[i] ?? ''}`;
        const held = values.flatMap((v, n) => (text.includes(v) || text.includes(JSON.stringify(v).slice(1, -1)) ? [n] : []));
        if (held.length > 0) found.push({ key, values: held });
      });
    } while (cursor !== '0');
    return found;
  }

  async getMeta(name: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:meta:${name}`)) ?? undefined;
  }

  async setMeta(name: string, value: string): Promise<void> {
    await this.redis.set(`${this.prefix}:meta:${name}`, value);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }

  private key(view: string, entity: string): string {
    return `${this.prefix}:${view}:${entity}`;
  }
}
