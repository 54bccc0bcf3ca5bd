import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A token is `aqt_<id>_<secret>`: the id is public (list and revoke name it), the secret is
 * 32 random bytes. Only the SHA-256 of the whole token is stored: for a high-entropy secret a
 * plain hash is as good as a slow one, and it keeps each request's check to one hash.
 */
const PREFIX = 'aqt_';

export function newToken(): { id: string; token: string; hash: string } {
  const id = randomBytes(6).toString('hex');
  const token = `${PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  // The one-shot hash: less than half the time of a Hash object, and every request pays it.
  return hash('sha256', token, 'hex');
}

/** The id part of a presented token, or undefined when it is not shaped like one of ours. */
export function tokenId(token: string): string | undefined {
  const match = /^aqt_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(token);
  return match?.[1];
}

/** Compares two hex hashes in constant time (no early exit on the first differing byte). */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
