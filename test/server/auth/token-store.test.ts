import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Authenticator } from '../../../src/server/auth/authenticator.js';
import { parseExpiry } from '../../../src/server/auth/expiry.js';
import { TokenStore } from '../../../src/server/auth/token-store.js';
import { tempDir } from '../../support/temp.js';

const store = async () => new TokenStore(path.join(await tempDir('aquifer-tokens-'), '.aquifer', 'tokens.json'));
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );

describe('TokenStore', () => {
  it('keeps only a hash, in a file only its owner can read, and lists no secrets', async () => {
    const tokens = await store();
    const { token, info } = await tokens.create({ role: 'writer', name: 'loader', scopes: ['events'] });
    const text = await readFile(tokens.file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(17));
    expect((await stat(tokens.file)).mode & 0o777).toBe(0o600);
    expect(await tokens.list()).toEqual([info]);
    expect(JSON.stringify(await tokens.list())).not.toContain('hash');
  });

  it('makes a different random token each time', async () => {
    const tokens = await store();
    const a = await tokens.create({ role: 'reader' });
    const b = await tokens.create({ role: 'reader' });
    expect(a.token).not.toBe(b.token);
    expect(a.info.id).not.toBe(b.info.id);
  });

  it('refuses to revoke an unknown id, and a corrupt file with a typed error', async () => {
    const tokens = await store();
    expect(await codeOf(tokens.revoke('nope'))).toBe('TOKEN_NOT_FOUND');
    await tokens.create({ role: 'reader' });
    await writeFile(tokens.file, '{"tokens": [{"id": 1}]}');
    expect(await codeOf(tokens.list())).toBe('TOKEN_STORE_INVALID');
  });
});

describe('Authenticator', () => {
  it('sees a token created or revoked after it started, without a restart', async () => {
    const tokens = await store();
    const auth = new Authenticator(tokens, 'off');
    const { token, info } = await tokens.create({ role: 'reader' });
    expect(await auth.authenticate(`Bearer ${token}`, '127.0.0.1')).toMatchObject({ anonymous: false, id: info.id, role: 'reader' });
    await tokens.revoke(info.id);
    expect(await codeOf(auth.authenticate(`Bearer ${token}`, '127.0.0.1'))).toBe('AUTH_TOKEN_REVOKED');
  });

  it('lets anonymous callers in only as configured', async () => {
    const tokens = await store();
    expect(await codeOf(new Authenticator(tokens, 'off').authenticate(undefined, '127.0.0.1'))).toBe('AUTH_TOKEN_MISSING');
    expect(await codeOf(new Authenticator(tokens, 'loopback').authenticate(undefined, '::ffff:127.0.0.1'))).toBe('ok');
    expect(await codeOf(new Authenticator(tokens, 'loopback').authenticate(undefined, '10.1.2.3'))).toBe('AUTH_TOKEN_MISSING');
    expect(await codeOf(new Authenticator(tokens, 'any').authenticate(undefined, '10.1.2.3'))).toBe('ok');
  });

  it('refuses a token past its expiry', async () => {
    const tokens = await store();
    const { token } = await tokens.create({ role: 'admin', expires: new Date(Date.parse('2030-01-01T00:00:00Z')) });
    const auth = new Authenticator(tokens, 'off');
    expect(await codeOf(auth.authenticate(`Bearer ${token}`, undefined, Date.parse('2029-12-31T23:59:59Z')))).toBe('ok');
    expect(await codeOf(auth.authenticate(`Bearer ${token}`, undefined, Date.parse('2030-01-01T00:00:00Z')))).toBe('AUTH_TOKEN_EXPIRED');
  });
});

describe('parseExpiry', () => {
  it('reads durations and ISO dates, and refuses the past and nonsense', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseExpiry('30d', now).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseExpiry('90m', now).toISOString()).toBe('2026-01-01T01:30:00.000Z');
    expect(parseExpiry('2027-01-01', now).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(() => parseExpiry('2025-01-01', now)).toThrow(expect.objectContaining({ code: 'TOKEN_OPTIONS_INVALID' }));
    expect(() => parseExpiry('soon', now)).toThrow(expect.objectContaining({ code: 'TOKEN_OPTIONS_INVALID' }));
  });
});
