import { AquiferError } from '../../errors.js';

/** One entity's latest values of one feature view, as the online store keeps them. */
export interface OnlineRow {
  /** The entity key: the view's join key values, encoded by `entityKey`. */
  key: string;
  /** Event time of the values, epoch milliseconds. */
  eventTs: number;
  /** Created time, epoch milliseconds, breaking ties between equal event times. */
  createdTs?: number;
  values: Record<string, unknown>;
}

/**
 * Where serving reads features: only the latest values per entity and view. Writes are
 * conditional (a row replaces the stored one only when newer), so materializing twice,
 * or out of order, converges on the same state. Every backend passes the same contract
 * tests (test/contracts/online-store.contract.ts).
 */
export interface OnlineStore {
  /** Store rows that are newer than what is stored; returns how many replaced or added a row. */
  write(view: string, rows: readonly OnlineRow[]): Promise<number>;
  /** Store rows unconditionally, replacing what is stored (aggregation tiles, which their writer merges itself). */
  replace(view: string, rows: readonly OnlineRow[]): Promise<void>;
  /** The stored row for each key (undefined where there is none), in the keys' order. */
  read(view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]>;
  /** Remove the rows of these keys (an erasure); returns how many were stored. */
  delete(view: string, keys: readonly string[]): Promise<number>;
  /** Small bookkeeping values (such as a view's materialized-until time). */
  getMeta(name: string): Promise<string | undefined>;
  setMeta(name: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The longest entity key accepted, `<view>\u0000<entity key>` in bytes. Backends store
 * any length (LMDB keys over its 511 bytes go under a digest), so this only bounds what
 * one request may ask for; every caller checks it (checkKeySize), so a key is refused
 * the same way whether the project runs LMDB or Redis.
 */
export const MAX_ONLINE_KEY_BYTES = 16_384;

/** Refuse (FEATURE_ENTITY_KEY_TOO_LONG) an entity key too long for the online store. */
export function checkKeySize(view: string, key: string): void {
  const bytes = Buffer.byteLength(view) + 1 + Buffer.byteLength(key);
  if (bytes > MAX_ONLINE_KEY_BYTES) {
    throw new AquiferError(
      'FEATURE_ENTITY_KEY_TOO_LONG',
      `The entity key of feature view '${view}' is ${bytes} bytes with the view's name; at most ${MAX_ONLINE_KEY_BYTES} are accepted`,
      { value: key.slice(0, 100), hint: 'Use shorter entity key values (an id, not a document).' },
    );
  }
}

/** Encode join key values (in the view's key order) as one string key. */
export function entityKey(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => (v === null || v === undefined ? null : String(v))));
}

/** Whether `candidate` should replace `stored`: a newer event time, or the same one created later. */
export function isNewer(candidate: OnlineRow, stored: OnlineRow | undefined): boolean {
  if (stored === undefined) return true;
  if (candidate.eventTs !== stored.eventTs) return candidate.eventTs > stored.eventTs;
  return (candidate.createdTs ?? 0) > (stored.createdTs ?? 0);
}
