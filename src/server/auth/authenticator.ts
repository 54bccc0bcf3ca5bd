import { statSync } from 'node:fs';
import { AquiferError } from '../../errors.js';
import { isLoopback } from '../loopback.js';
import type { Role } from './roles.js';
import { hashToken, sameHash, tokenId } from './token.js';
import type { TokenRecord, TokenStore } from './token-store.js';

export type AnonymousAccess = 'off' | 'loopback' | 'any';

/** Who is calling: a token's id, role and scopes, or an anonymous caller the config lets in. */
export type Principal = { anonymous: true; role: Role } | { anonymous: false; id: string; role: Role; scopes?: readonly string[] };

/**
 * Checks `Authorization: Bearer` against the project's token file. The file is re-read when
 * it changes (a revoke takes effect on the next request, without a restart); a presented
 * token is hashed once and the record it proved is cached by that hash, so a lookup costs one
 * SHA-256 and a stat.
 */
export class Authenticator {
  private version = '';
  private byId = new Map<string, TokenRecord>();
  private proven = new Map<string, TokenRecord>();
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: TokenStore,
    private readonly anonymous: AnonymousAccess,
  ) {}

  async authenticate(authorization: string | undefined, remoteAddress: string | undefined, now: number = Date.now()): Promise<Principal> {
    if (authorization === undefined || authorization === '') {
      if (this.anonymous === 'any' || (this.anonymous === 'loopback' && isLoopback(remoteAddress))) return { anonymous: true, role: 'admin' };
      throw new AquiferError('AUTH_TOKEN_MISSING', 'This route needs a bearer token', {
        hint: 'Send `Authorization: Bearer <token>`; create one with `aquifer tokens create --role reader|writer|admin`.',
      });
    }
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (match === null) throw invalid();
    const token = match[1] as string;
    await this.refresh();
    const hash = hashToken(token);
    let record = this.proven.get(hash);
    if (record === undefined) {
      const id = tokenId(token);
      const candidate = id === undefined ? undefined : this.byId.get(id);
      if (candidate === undefined || !sameHash(candidate.hash, hash)) throw invalid();
      record = candidate;
      this.proven.set(hash, record);
    }
    if (record.revoked !== undefined)
      throw new AquiferError('AUTH_TOKEN_REVOKED', `Token ${record.id} has been revoked`, { value: record.id, hint: 'Ask for a new token.' });
    if (record.expires !== undefined && Date.parse(record.expires) <= now)
      throw new AquiferError('AUTH_TOKEN_EXPIRED', `Token ${record.id} expired at ${record.expires}`, { value: record.id, hint: 'Ask for a new token.' });
    return { anonymous: false, id: record.id, role: record.role, ...(record.scopes === undefined ? {} : { scopes: record.scopes }) };
  }

  /** Re-reads the token file when its identity, size or time changed; concurrent calls share one read. */
  private async refresh(): Promise<void> {
    while (this.loading !== undefined) await this.loading;
    // A synchronous stat costs microseconds; the thread-pool round trip of an async one costs
    // more than the rest of the check on the lookup path.
    const stat = statSync(this.store.file, { throwIfNoEntry: false });
    const version = stat === undefined ? 'none' : `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (version === this.version) return;
    this.loading = this.store.read().then(
      (records) => {
        this.byId = new Map(records.map((r) => [r.id, r]));
        this.proven = new Map();
        this.version = version;
        this.loading = undefined;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    await this.loading;
  }
}

function invalid(): AquiferError {
  return new AquiferError('AUTH_TOKEN_INVALID', 'The bearer token is not valid for this project', {
    hint: 'Check the token; create one with `aquifer tokens create`.',
  });
}
