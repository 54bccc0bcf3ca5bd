import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';

// Per engine, per store: the secret is made once, and a failed attempt is forgotten so the next read retries.
const connected = new WeakMap<Engine, WeakMap<ObjectStore, Promise<void>>>();

/**
 * Make `engine` able to open `store`'s engine locations: for S3 and Azure, a DuckDB secret
 * scoped to the store's root, from the store's own credentials. A local store needs nothing.
 */
export function connectEngine(engine: Engine, store: ObjectStore): Promise<void> {
  let stores = connected.get(engine);
  if (stores === undefined) {
    stores = new WeakMap();
    connected.set(engine, stores);
  }
  let connecting = stores.get(store);
  if (connecting === undefined) {
    connecting = configure(engine, store);
    const forget = stores;
    forget.set(store, connecting);
    connecting.catch(() => forget.delete(store));
  }
  return connecting;
}

async function configure(engine: Engine, store: ObjectStore): Promise<void> {
  const access = await store.engineAccess();
  if (access === undefined) return;
  // One secret per scope: stores at the same root share it, others never replace it.
  const name = `aquifer_${access.kind}_${createHash('sha256').update(access.scope).digest('hex').slice(0, 16)}`;
  if (access.kind === 'azure') {
    await engine.configureAzure(name, { scope: access.scope, connectionString: access.connectionString });
    return;
  }
  const { kind: _kind, ...options } = access;
  await engine.configureS3(name, options);
}

/** Where DuckDB opens `key` of `store` itself (a local path, an `s3://` URL), once the engine can reach the store. */
export async function engineLocation(engine: Engine, store: ObjectStore, key: string): Promise<string> {
  await connectEngine(engine, store);
  return store.engineLocation(key);
}

/**
 * Where DuckDB opens files that are never rewritten (data files, checkpoints, deletion
 * vectors): local copies from the store's read cache where it has room, else engine
 * locations. Never for `_delta_log/*.json` or `_last_checkpoint`: a cached log tail
 * would hide new commits.
 */
export async function immutableEngineLocations(engine: Engine, store: ObjectStore, keys: readonly string[]): Promise<string[]> {
  await connectEngine(engine, store);
  return store.immutableLocations(keys);
}

/** `immutableEngineLocations` for keys that may live in different stores (absolute paths in the log), in order. */
export async function immutableEngineLocationsOf(engine: Engine, resolved: readonly { store: ObjectStore; key: string }[]): Promise<string[]> {
  const byStore = new Map<ObjectStore, number[]>();
  for (const [index, { store }] of resolved.entries()) {
    const indexes = byStore.get(store) ?? [];
    indexes.push(index);
    byStore.set(store, indexes);
  }
  const locations = new Array<string>(resolved.length);
  for (const [store, indexes] of byStore) {
    const found = await immutableEngineLocations(
      engine,
      store,
      indexes.map((i) => resolved[i]?.key ?? ''),
    );
    for (const [n, index] of indexes.entries()) locations[index] = found[n] ?? '';
  }
  return locations;
}
