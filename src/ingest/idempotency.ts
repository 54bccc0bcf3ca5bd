import { createHash } from 'node:crypto';
import { AquiferError } from '../errors.js';
import { IDEMPOTENCY_APP_PREFIX, type Snapshot } from '../table/index.js';

export { IDEMPOTENCY_APP_PREFIX };

/** As Stripe: a key is at most 255 characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * How long a key is remembered, as the table property `aquifer.idempotencyKeyRetentionDuration`
 * that tables created by HTTP ingestion get (24 hours, as Stripe keeps keys): after it the
 * key's txn expires, and a checkpoint drops it, so the log does not keep every key forever.
 */
export const DEFAULT_IDEMPOTENCY_WINDOW = 'interval 24 hours';

/** A key as a client sent it: refused when empty, blank, too long or holding control characters. */
export function checkIdempotencyKey(key: string): string {
  // Control characters are exactly what this check looks for.
  // eslint-disable-next-line no-control-regex
  if (key.trim() === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new AquiferError('INGEST_IDEMPOTENCY_KEY_INVALID', `An Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters`, {
      value: key.slice(0, MAX_IDEMPOTENCY_KEY_LENGTH + 1),
      hint: 'Send a unique, non-empty key per logical request (a UUID, say), or no Idempotency-Key header at all.',
    });
  }
  return key;
}

/** A digest of what a request asked for (its parts, such as content type and body), kept with its key. */
export function requestDigest(parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  return hash.digest('hex');
}

/**
 * The txn version a keyed request commits: the first 48 bits of its digest (a safe
 * integer), so the one txn action that remembers the key also says which body it was
 * for, and expires with it. Version 0 is what keys committed before digests were kept
 * carry: such a key matches any body.
 */
export function digestVersion(digest: string): number {
  return Number.parseInt(digest.slice(0, 12), 16);
}

/** What a table remembers of a key: nothing, the same request (a duplicate) or another one (a conflict). */
export function keyState(snapshot: Snapshot | undefined, key: string, version: number): 'new' | 'duplicate' | 'conflict' {
  const committed = snapshot?.txnVersion(IDEMPOTENCY_APP_PREFIX + key);
  if (committed === undefined) return 'new';
  return sameRequest(committed, version) ? 'duplicate' : 'conflict';
}

/** Whether two uses of a key are the same request: equal digests, or one without a digest (version 0). */
export function sameRequest(a: number, b: number): boolean {
  return a === b || a === 0 || b === 0;
}

export function keyReused(key: string): AquiferError {
  return new AquiferError('INGEST_IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request body', {
    value: key,
    hint: 'Retry with exactly the same body, or send the new records with a new key.',
  });
}
