import { describe, expect, it } from 'vitest';
import { maskStrategy, maskValue, readsClear, REDACTED } from '../../src/governance/index.js';

describe('maskStrategy', () => {
  it('hashes personal and sensitive tags by default and leaves custom tags alone', () => {
    expect(maskStrategy(['pii:email'])).toBe('hash');
    expect(maskStrategy(['sensitive'])).toBe('hash');
    expect(maskStrategy(['team:crm'])).toBeUndefined();
    expect(maskStrategy([])).toBeUndefined();
  });

  it('lets the most specific rule win: the tag itself, then its namespace, then the default', () => {
    const policy = { pii: 'redact', 'pii:email': 'hash', sensitive: 'null' } as const;
    expect(maskStrategy(['pii:email'], policy)).toBe('hash');
    expect(maskStrategy(['pii:name'], policy)).toBe('redact');
    expect(maskStrategy(['pii:email', 'sensitive'], policy)).toBe('null');
    expect(maskStrategy(['pii:email', 'pii:name'], policy)).toBe('hash');
  });

  it('masks a custom tag the policy names', () => {
    expect(maskStrategy(['team:finance'], { 'team:finance': 'null' })).toBe('null');
    expect(maskStrategy(['team:finance'], { team: 'redact' })).toBe('redact');
  });
});

describe('readsClear', () => {
  it('needs the pii scope, whatever the role: unscoped, admin and anonymous callers read masked values', () => {
    expect(readsClear({ scopes: ['pii'] })).toBe(true);
    expect(readsClear({ scopes: ['pii', 'users'] })).toBe(true);
    expect(readsClear({ scopes: ['users'] })).toBe(false);
    expect(readsClear({})).toBe(false);
    expect(readsClear({ anonymous: true })).toBe(false);
    expect(readsClear(undefined)).toBe(false);
    expect(readsClear({ unmasked: true })).toBe(true);
  });
});

describe('maskValue', () => {
  const salt = Buffer.alloc(32, 7);
  it('redacts strings, nulls other types, keeps null as null', () => {
    expect(maskValue('Utrecht', 'redact', salt)).toBe(REDACTED);
    expect(maskValue(42, 'redact', salt)).toBeNull();
    expect(maskValue('x', 'null', salt)).toBeNull();
    expect(maskValue(null, 'hash', salt)).toBeNull();
  });

  it('hashes the same value to the same hex digest, and a number as its decimal text', () => {
    const a = maskValue('ann@example.com', 'hash', salt);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(maskValue('ann@example.com', 'hash', salt)).toBe(a);
    expect(maskValue(12, 'hash', salt)).toBe(maskValue('12', 'hash', salt));
    expect(maskValue('ann@example.com', 'hash', Buffer.alloc(32, 8))).not.toBe(a);
  });
});
