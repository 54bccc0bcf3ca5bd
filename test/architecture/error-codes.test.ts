import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { statusFor } from '../../src/server/index.js';
import { REPO_ROOT } from '../support/shared.js';

const SRC = path.join(REPO_ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') && name !== 'error-codes.ts' ? [readFileSync(full, 'utf8')] : [];
  });
}

describe('the error code catalogue', () => {
  it('lists only codes that some source file throws', () => {
    const text = sources(SRC).join('\n');
    const unused = Object.keys(ERROR_CODES).filter((code) => !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('gives every code a client or server status and an exit code of 1 or 2', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(entry.http, code).toBeGreaterThanOrEqual(400);
      expect(entry.http, code).toBeLessThan(600);
      expect([1, 2], code).toContain(entry.exit);
      expect(statusFor(code)).toBe(entry.http);
    }
  });

  it('answers 500 for a code outside the catalogue', () => {
    expect(statusFor('NO_SUCH_CODE')).toBe(500);
  });
});

/** The catalogue as the Markdown table docs/errors.md holds. */
function catalogueTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, entry]) => `| \`${code}\` | ${entry.http} | ${entry.exit} | ${entry.summary} |`);
  return ['| code | HTTP status | exit code | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

describe('docs/errors.md', () => {
  it('lists every code of the catalogue with its status and exit code (UPDATE_DOCS=1 rewrites it)', () => {
    const file = path.join(REPO_ROOT, 'docs', 'errors.md');
    const text = readFileSync(file, 'utf8');
    const [before, rest] = text.split('<!-- catalogue:start -->');
    const after = rest?.split('<!-- catalogue:end -->')[1];
    const expected = `${before}<!-- catalogue:start -->\n${catalogueTable()}\n<!-- catalogue:end -->${after}`;
    if (process.env['UPDATE_DOCS'] === '1' && text !== expected) writeFileSync(file, expected);
    else expect(text).toBe(expected);
  });
});
