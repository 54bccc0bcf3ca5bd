import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/index.js';
import type { KnownObject, ObjectStore } from '../../storage/index.js';

/**
 * How early, before temporary credentials expire, the engine's secret is renewed: the
 * window in which the AWS SDK itself asks its provider again, so both see the new keys.
 */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

/** What the engine's secret for one store was last made from. */
interface Connection {
  /** Identifies the credentials and addressing in the secret, without holding them. */
  fingerprint: string | undefined;
  /** When the credentials in the secret expire (ms since the epoch), if they do. */
  expiresAt: number | undefined;
}

interface ConnectionState {
  current: Promise<Connection>;
  settled: Connection | undefined;
}

// Per engine, per store: the secret is made once and remade only when its credentials near
// their expiration; a failed attempt is forgotten so the next read retries.
const connected = new WeakMap<Engine, WeakMap<ObjectStore, ConnectionState>>();

/**
 * Make `engine` able to open `store`'s engine locations: for S3 and Azure, a DuckDB secret
 * scoped to the store's root, from the store's own credentials. A local store needs nothing.
 * Temporary credentials (a session from SSO, a role or a custom provider) are asked for
 * again once they near their expiration, and the secret is remade when they changed, so a
 * long-lived process keeps reading after the first keys expire.
 */
export function connectEngine(engine: Engine, store: ObjectStore): Promise<void> {
  let stores = connected.get(engine);
  if (stores === undefined) {
    stores = new WeakMap();
    connected.set(engine, stores);
  }
  const state = stores.get(store);
  // While the secret is being made (or remade), every caller waits for that one attempt.
  if (state !== undefined && (state.settled === undefined || !nearExpiry(state.settled, Date.now()))) return state.current.then(() => undefined);
  const next: ConnectionState = { current: configure(engine, store, state?.settled), settled: undefined };
  const forget = stores;
  forget.set(store, next);
  next.current.then(
    (connection) => {
      next.settled = connection;
    },
    () => {
      if (forget.get(store) === next) forget.delete(store);
    },
  );
  return next.current.then(() => undefined);
}

function nearExpiry(connection: Connection, now: number): boolean {
  return connection.expiresAt !== undefined && connection.expiresAt - now <= RENEW_BEFORE_MS;
}

async function configure(engine: Engine, store: ObjectStore, previous: Connection | undefined): Promise<Connection> {
  const access = await store.engineAccess();
  if (access === undefined) return { fingerprint: undefined, expiresAt: undefined };
  const expiration = access.kind === 's3' ? access.expiration : undefined;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ ...access, expiration: undefined }))
    .digest('hex');
  const connection = { fingerprint, expiresAt: expiration?.getTime() };
  if (previous?.fingerprint === fingerprint) return connection;
  // One secret per scope: stores at the same root share it, others never replace it.
  const name = `aquifer_${access.kind}_${createHash('sha256').update(access.scope).digest('hex').slice(0, 16)}`;
  if (access.kind === 'azure') {
    await engine.configureAzure(name, { scope: access.scope, connectionString: access.connectionString });
    return connection;
  }
  const { kind: _kind, expiration: _expiration, ...options } = access;
  await engine.configureS3(name, options);
  return connection;
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
export async function immutableEngineLocations(engine: Engine, store: ObjectStore, keys: readonly (string | KnownObject)[]): Promise<string[]> {
  await connectEngine(engine, store);
  return store.immutableLocations(keys);
}

/** `immutableEngineLocations` for keys that may live in different stores (absolute paths in the log), in order. */
export async function immutableEngineLocationsOf(
  engine: Engine,
  resolved: readonly { store: ObjectStore; key: string; size?: number; version?: string }[],
): Promise<string[]> {
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
      indexes.map((i): string | KnownObject => {
        const { key, size, version } = resolved[i] ?? { key: '' };
        return size === undefined || version === undefined ? key : { path: key, size, version };
      }),
    );
    for (const [n, index] of indexes.entries()) locations[index] = found[n] ?? '';
  }
  return locations;
}
