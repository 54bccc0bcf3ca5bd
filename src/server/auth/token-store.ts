import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import { writeFileDurably } from '../../storage/index.js';
import { isRole, type Role } from './roles.js';
import { newToken } from './token.js';

/** What the project keeps about a token: never the token itself, only its hash. */
export interface TokenRecord {
  id: string;
  name?: string;
  role: Role;
  /** Table names, push sources and feature views (or services) the token may touch (absent means all), and grants such as `pii` (governance: clear values). */
  scopes?: string[];
  created: string;
  expires?: string;
  revoked?: string;
  hash: string;
}

/** A token as `tokens list` shows it: everything but the hash. */
export type TokenInfo = Omit<TokenRecord, 'hash'>;

export interface CreateTokenOptions {
  role: Role;
  name?: string;
  scopes?: string[];
  expires?: Date;
}

/** The file a project keeps its tokens in. */
export function tokenFile(project: Project): string {
  return path.join(project.root, '.aquifer', 'tokens.json');
}

/**
 * The project's tokens in `.aquifer/tokens.json` (mode 0600), rewritten whole through a
 * temporary file and a rename so a reader never sees half a file.
 */
export class TokenStore {
  constructor(readonly file: string) {}

  static forProject(project: Project): TokenStore {
    return new TokenStore(tokenFile(project));
  }

  async read(): Promise<TokenRecord[]> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
    return parseTokens(text, this.file);
  }

  /** A new token: the secret is in the answer only, the store keeps its hash. */
  async create(options: CreateTokenOptions): Promise<{ token: string; info: TokenInfo }> {
    if (!isRole(options.role))
      throw new AquiferError('TOKEN_OPTIONS_INVALID', `'${String(options.role)}' is not a role`, { value: options.role, hint: 'Use reader, writer or admin.' });
    const scopes = options.scopes?.filter((s) => s !== '');
    if (scopes !== undefined && scopes.length === 0)
      throw new AquiferError('TOKEN_OPTIONS_INVALID', 'A scope list must name something', { hint: 'Leave --scope out for a token without scope limits.' });
    const { id, token, hash } = newToken();
    const record: TokenRecord = {
      id,
      ...(options.name === undefined ? {} : { name: options.name }),
      role: options.role,
      ...(scopes === undefined ? {} : { scopes }),
      created: new Date().toISOString(),
      ...(options.expires === undefined ? {} : { expires: options.expires.toISOString() }),
      hash,
    };
    await this.write([...(await this.read()), record]);
    return { token, info: withoutHash(record) };
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.read()).map(withoutHash);
  }

  async revoke(id: string): Promise<TokenInfo> {
    const tokens = await this.read();
    const found = tokens.find((t) => t.id === id);
    if (found === undefined)
      throw new AquiferError('TOKEN_NOT_FOUND', `No token '${id}' in this project`, { value: id, hint: 'See `aquifer tokens list` for the ids.' });
    found.revoked ??= new Date().toISOString();
    await this.write(tokens);
    return withoutHash(found);
  }

  private async write(tokens: TokenRecord[]): Promise<void> {
    await writeFileDurably(this.file, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`, { mode: 0o600 });
  }
}

function withoutHash(record: TokenRecord): TokenInfo {
  const { hash: _hash, ...info } = record;
  return info;
}

function parseTokens(text: string, file: string): TokenRecord[] {
  const corrupt = (why: string) =>
    new AquiferError('TOKEN_STORE_INVALID', `The token file is not valid: ${why}`, {
      value: path.basename(file),
      hint: 'Restore .aquifer/tokens.json from a backup, or delete it and create new tokens.',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  const tokens = (parsed as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(tokens)) throw corrupt('no "tokens" list');
  for (const t of tokens as Partial<TokenRecord>[]) {
    if (typeof t !== 'object' || t === null || typeof t.id !== 'string' || typeof t.hash !== 'string' || typeof t.role !== 'string' || !isRole(t.role))
      throw corrupt('a token lacks its id, hash or role');
  }
  return tokens as TokenRecord[];
}
