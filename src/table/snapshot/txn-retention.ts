import type { Txn } from '../actions/index.js';
import { parseRetention } from '../checkpoint/retention.js';

/**
 * PROTOCOL.md (Transaction Identifiers): with `delta.setTransactionRetentionDuration` set,
 * a txn whose `lastUpdated` is that long ago or longer is expired: readers ignore it and
 * checkpoints leave it out. Without the property, or without `lastUpdated`, a txn never
 * expires (as in Spark and delta-kernel-rs).
 */
export const TXN_RETENTION_PROPERTY = 'delta.setTransactionRetentionDuration';

/**
 * The same expiry for idempotency keys alone (appIds starting with `aquifer.http:`). The
 * protocol's property expires every txn, and a table that takes HTTP requests may also
 * take file or Kafka ingestion, whose positions (a file loaded once, say) must never
 * expire or the file would load again. Other readers ignore this property and keep the
 * keys, which only Aquifer reads.
 */
export const IDEMPOTENCY_KEY_RETENTION_PROPERTY = 'aquifer.idempotencyKeyRetentionDuration';

/** Idempotency keys are remembered as txn actions: appId `aquifer.http:<key>`. */
export const IDEMPOTENCY_APP_PREFIX = 'aquifer.http:';

/** The `lastUpdated` at or before which txns are expired: all of them, or idempotency keys only. */
export interface TxnExpiry {
  readonly all?: number;
  readonly idempotencyKeys?: number;
}

/** Which txns are expired now under a table's configuration, or undefined when none expires. */
export function txnExpiry(configuration: Readonly<Record<string, string | undefined>>, now: number = Date.now()): TxnExpiry | undefined {
  const all = configuration[TXN_RETENTION_PROPERTY];
  const keys = configuration[IDEMPOTENCY_KEY_RETENTION_PROPERTY];
  if (all === undefined && keys === undefined) return undefined;
  return {
    ...(all === undefined ? {} : { all: now - parseRetention(all, 0, TXN_RETENTION_PROPERTY) }),
    ...(keys === undefined ? {} : { idempotencyKeys: now - parseRetention(keys, 0, IDEMPOTENCY_KEY_RETENTION_PROPERTY) }),
  };
}

export function isTxnExpired(txn: Txn, expiry: TxnExpiry | undefined): boolean {
  if (expiry === undefined || txn.lastUpdated === undefined) return false;
  if (expiry.all !== undefined && txn.lastUpdated <= expiry.all) return true;
  return expiry.idempotencyKeys !== undefined && txn.appId.startsWith(IDEMPOTENCY_APP_PREFIX) && txn.lastUpdated <= expiry.idempotencyKeys;
}

/** The same test as a SQL condition over a checkpoint's `txn` struct column: true for txns to keep. */
export function liveTxnCondition(expiry: TxnExpiry | undefined, quote: (text: string) => string): string {
  const expired: string[] = [];
  if (expiry?.all !== undefined) expired.push(`txn.lastUpdated <= ${expiry.all}`);
  if (expiry?.idempotencyKeys !== undefined)
    expired.push(`(starts_with(txn.appId, ${quote(IDEMPOTENCY_APP_PREFIX)}) AND txn.lastUpdated <= ${expiry.idempotencyKeys})`);
  return expired.length === 0 ? 'true' : `txn.lastUpdated IS NULL OR NOT (${expired.join(' OR ')})`;
}
