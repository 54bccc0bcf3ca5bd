import type { Txn } from '../actions/index.js';
import { parseRetention } from '../checkpoint/retention.js';

/**
 * PROTOCOL.md (Transaction Identifiers): with `delta.setTransactionRetentionDuration` set,
 * a txn whose `lastUpdated` is that long ago or longer is expired: readers ignore it and
 * checkpoints leave it out, so application ids used once (idempotency keys) do not pile
 * up in every snapshot forever. Without the property, or without `lastUpdated`, a txn
 * never expires (as in Spark and delta-kernel-rs).
 */
export const TXN_RETENTION_PROPERTY = 'delta.setTransactionRetentionDuration';

/** The `lastUpdated` at or before which a txn is expired now, or undefined when none expires. */
export function txnExpiryCutoff(configuration: Readonly<Record<string, string>>, now: number = Date.now()): number | undefined {
  const text = configuration[TXN_RETENTION_PROPERTY];
  if (text === undefined) return undefined;
  return now - parseRetention(text, 0, TXN_RETENTION_PROPERTY);
}

export function isTxnExpired(txn: Txn, cutoff: number | undefined): boolean {
  return cutoff !== undefined && txn.lastUpdated !== undefined && txn.lastUpdated <= cutoff;
}
