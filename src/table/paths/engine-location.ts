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
