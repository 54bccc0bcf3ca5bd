import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerQualityProfile } from '../../src/cli/commands/quality-profile.js';
import { parseSuite, type TableProfile } from '../../src/quality/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tableFixture } from '../support/table-fixture.js';
import { tempDir } from '../support/temp.js';

/**
 * `quality profile` run in this process: the lead wires registerQualityProfile into the
 * `quality` group, so the built CLI does not have it yet; this builds that group the same way.
 */
const fixture = tableFixture();
let dir: string;
let location: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-quality-profile-');
  location = path.join(dir, 'events');
  await DeltaTable.create(location, {
    engine: fixture.engine(),
    data: { sql: `SELECT i AS id, ['NL', 'DE', 'FR'][i % 3 + 1] AS country, i * 2.5 AS amount FROM range(30) t(i)` },
  });
});

afterEach(() => vi.restoreAllMocks());

async function run(...args: string[]): Promise<string> {
  const program = new Command('aquifer').exitOverride();
  const quality = program.command('quality');
  registerQualityProfile(quality);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  await program.parseAsync(['quality', 'profile', ...args], { from: 'user' });
  vi.restoreAllMocks();
  return out;
}

describe('aquifer quality profile', () => {
  it('prints the profile as JSON with --format json', async () => {
    const p = JSON.parse(await run(location, '--format', 'json')) as TableProfile;
    expect(p).toMatchObject({ version: 0, row_count: 30, column_count: 3 });
    expect(p.columns.map((c) => [c.name, c.null_count, c.distinct_count])).toEqual([
      ['id', 0, 30],
      ['country', 0, 3],
      ['amount', 0, 30],
    ]);
  });

  it('drafts a suite with --suggest, named by --suite-name, that imports as a GE 1.x suite', async () => {
    const out = JSON.parse(await run(location, '--suggest', '--suite-name', 'events_v1', '--format', 'json')) as { profile: TableProfile; suite: unknown };
    expect(out.profile.row_count).toBe(30);
    const suite = parseSuite(out.suite, 'stdout');
    expect(suite.name).toBe('events_v1');
    expect(suite.expectations).toContainEqual(
      expect.objectContaining({ type: 'expect_column_values_to_be_in_set', kwargs: { column: 'country', value_set: ['DE', 'FR', 'NL'] } }),
    );
  });

  it('writes the HTML report with --report and summarises the columns as text', async () => {
    const report = path.join(dir, 'profile.html');
    const text = await run(location, '--report', report, '--suggest');
    expect(text).toContain('30 rows, 3 columns');
    expect(text).toMatch(/│ country\s+│ string\s+│ 0 %\s+│ 3 /);
    expect(text).toContain(`Report written to ${report}`);
    expect(text).toContain('Suggested suite events_suggested');
    const html = await readFile(report, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<h2>country</h2>');
  });

  it('refuses --suite-name without --suggest, as a usage error', async () => {
    await expect(run(location, '--suite-name', 'x')).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });
});
