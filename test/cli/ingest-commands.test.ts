import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-ingest-');
});

/**
 * A landing folder with a CSV and a JSON-lines file: 4 good records (one with a negative
 * amount, bad under the rule "positive"), 3 bad ones.
 */
async function landing(): Promise<{ folder: string; table: string }> {
  const folder = path.join(dir, `l${counter++}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'a.csv'), 'id,name,amount\n1,ann,1.5\n2,bob,2.5\n3,cy,oops\n6,fay,-6\n');
  await writeFile(path.join(folder, 'b.jsonl'), '{"id": 4, "name": "dee", "amount": 4}\n{"id": 5, "nickname": "eve"}\n{broken\n');
  return { folder, table: path.join(folder, 'events') };
}

/** Create the table with fixed types first, so the CSV's 'oops' is a bad value, not a VARCHAR column. */
async function createTable(table: string): Promise<void> {
  const seed = path.join(dir, `seed-${counter++}.jsonl`);
  await writeFile(seed, '{"id": 0, "name": "zed", "amount": 0.5}\n');
  const created = await runCli(['table', 'create', table, '--from', seed]);
  expect(created.code, created.stderr).toBe(0);
}

const jsonl = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('aquifer ingest file', () => {
  it('loads a glob, prints a JSON summary, and skips the loaded files when run again', async () => {
    const { folder, table } = await landing();
    await createTable(table);
    const first = await runCli(['ingest', 'file', table, path.join(folder, '*.*'), '--rule', 'positive=amount >= 0', '--format', 'json']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ table, alreadyLoaded: 0, accepted: 3, quarantined: 4 });
    expect(summary.files.map((f: { file: string; accepted: number; quarantined: number }) => [path.basename(f.file), f.accepted, f.quarantined])).toEqual([
      ['a.csv', 2, 2],
      ['b.jsonl', 1, 2],
    ]);

    const again = await runCli(['ingest', 'file', table, path.join(folder, '*.*'), '--format', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: [], alreadyLoaded: 2, accepted: 0, quarantined: 0 });

    const text = await runCli(['ingest', 'file', table, path.join(folder, '*.*')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('2 already loaded');
  });

  it('applies --rule to JSON-lines files too', async () => {
    const folder = path.join(dir, `l${counter++}`);
    await mkdir(folder, { recursive: true });
    const table = path.join(folder, 'events');
    await createTable(table);
    await writeFile(path.join(folder, 'neg.jsonl'), '{"id": 1, "amount": 1}\n{"id": 2, "amount": -2}\n');
    const result = await runCli(['ingest', 'file', table, path.join(folder, '*.jsonl'), '--rule', 'positive=amount >= 0', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ accepted: 1, quarantined: 1 });
  });

  it('creates a missing table from the first file, unless --no-create', async () => {
    const { folder, table } = await landing();
    const refused = await runCli(['ingest', 'file', table, path.join(folder, '*.csv'), '--no-create']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error TABLE_NOT_FOUND');
    expect(refused.stderr).toContain('hint:');
    const created = await runCli(['ingest', 'file', table, path.join(folder, '*.csv'), '--format', 'json']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ accepted: 4, quarantined: 0 });
  });

  it('exits 2 on a malformed command line', async () => {
    expect((await runCli(['ingest', 'file'])).code).toBe(2);
    expect((await runCli(['ingest', 'file', path.join(dir, 'only-a-table')])).code).toBe(2);
    expect((await runCli(['ingest', 'file', path.join(dir, 't'), 'x.csv', '--format', 'yaml'])).code).toBe(2);
    expect((await runCli(['ingest', 'file', path.join(dir, 't'), 'x.csv', '--unknown-fields', 'keep'])).code).toBe(2);
  });

  it('prints its usage with --help and exits 0', async () => {
    const help = await runCli(['ingest', 'file', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: aquifer ingest file');
    expect(help.stdout).toContain('--rule');
  });
});

describe('aquifer quarantine', () => {
  it('lists quarantined records as JSON lines, filtered by reason', async () => {
    const { folder, table } = await landing();
    await createTable(table);
    expect((await runCli(['ingest', 'file', table, path.join(folder, '*.*'), '--rule', 'positive=amount >= 0'])).code).toBe(0);

    const listed = await runCli(['quarantine', 'list', table, '--format', 'jsonl']);
    expect(listed.code, listed.stderr).toBe(0);
    const records = jsonl(listed.stdout);
    expect(records.map((r) => r['reason']).sort()).toEqual(['PARSE_ERROR', 'RULE_FAILED', 'TYPE_MISMATCH', 'UNKNOWN_FIELD']);
    for (const record of records) {
      expect(Object.keys(record).sort()).toEqual(['message', 'payload', 'quarantined_at', 'reason', 'record_id', 'source']);
      expect(JSON.parse(String(record['source']))).toMatchObject({ kind: 'file' });
    }
    const csvLine = records.find((r) => r['reason'] === 'TYPE_MISMATCH');
    expect(csvLine?.['payload']).toBe('3,cy,oops');
    expect(JSON.parse(String(csvLine?.['source']))).toMatchObject({ file: path.join(folder, 'a.csv'), line: 4 });

    const parseErrors = await runCli(['quarantine', 'list', table, '--reason', 'PARSE_ERROR', '--format', 'jsonl']);
    expect(jsonl(parseErrors.stdout).map((r) => r['payload'])).toEqual(['{broken']);
    const limited = await runCli(['quarantine', 'list', table, '--limit', '2', '--format', 'jsonl']);
    expect(jsonl(limited.stdout)).toHaveLength(2);
  });

  it('replays records with corrected payloads from a fixes file, leaving the others quarantined', async () => {
    const { folder, table } = await landing();
    await createTable(table);
    expect((await runCli(['ingest', 'file', table, path.join(folder, '*.*')])).code).toBe(0);
    const records = jsonl((await runCli(['quarantine', 'list', table, '--format', 'jsonl'])).stdout);
    expect(records).toHaveLength(3);
    const byReason = new Map(records.map((r) => [String(r['reason']), String(r['record_id'])]));
    const fixes = path.join(folder, 'fixes.jsonl');
    await writeFile(
      fixes,
      [
        JSON.stringify({ record_id: byReason.get('TYPE_MISMATCH'), payload: { id: 3, name: 'cy', amount: 3 } }),
        // A payload may also be given as a JSON string.
        JSON.stringify({ record_id: byReason.get('UNKNOWN_FIELD'), payload: '{"id": 5, "name": "eve"}' }),
      ].join('\n') + '\n',
    );
    const replayed = await runCli(['quarantine', 'replay', table, '--fixes', fixes, '--format', 'json']);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(JSON.parse(replayed.stdout)).toMatchObject({ tried: 3, replayed: 2, stillQuarantined: 1 });

    const left = jsonl((await runCli(['quarantine', 'list', table, '--format', 'jsonl'])).stdout);
    expect(left.map((r) => r['reason'])).toEqual(['PARSE_ERROR']);
    const rows = jsonl((await runCli(['table', 'read', table, '--format', 'jsonl', '--columns', 'id'])).stdout);
    expect(rows.map((r) => Number(r['id'])).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);

    // The same replay again changes nothing.
    const again = await runCli(['quarantine', 'replay', table, '--fixes', fixes, '--format', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ replayed: 0, stillQuarantined: 1 });
    expect(jsonl((await runCli(['table', 'read', table, '--format', 'jsonl', '--columns', 'id'])).stdout)).toHaveLength(7);

    const text = await runCli(['quarantine', 'replay', table]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Tried 1 quarantined record/);
  });

  it('refuses a fixes file that is not JSON lines with exit 2', async () => {
    const { folder, table } = await landing();
    await createTable(table);
    const fixes = path.join(folder, 'bad-fixes.jsonl');
    await writeFile(fixes, 'not json\n');
    expect((await runCli(['quarantine', 'replay', table, '--fixes', fixes])).code).toBe(2);
    await writeFile(fixes, '{"payload": {}}\n');
    expect((await runCli(['quarantine', 'replay', table, '--fixes', fixes])).code).toBe(2);
  });

  it('says why it refuses a fixes file that is not JSON lines', async () => {
    const { folder, table } = await landing();
    await createTable(table);
    const fixes = path.join(folder, 'bad-fixes.jsonl');
    await writeFile(fixes, 'not json\n');
    const result = await runCli(['quarantine', 'replay', table, '--fixes', fixes]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).not.toBe('');
  });

  // Likely bug: a table whose loads never quarantined anything has no <table>__quarantine yet,
  // and `quarantine list` fails with TABLE_NOT_FOUND naming that folder (with a hint to "create
  // the table first"), while `quarantine replay` treats the same case as an empty quarantine.
  it('lists nothing, successfully, for a table that never quarantined a record', async () => {
    const { table } = await landing();
    await createTable(table);
    const listed = await runCli(['quarantine', 'list', table, '--format', 'jsonl']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim()).toBe('');
  });

  it('prints usage with --help and exits 0; exits 2 on a malformed command line', async () => {
    for (const command of [['quarantine', 'list'], ['quarantine', 'replay'], ['quarantine']]) {
      const help = await runCli([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout).toContain(`Usage: aquifer ${command.join(' ')}`);
    }
    expect((await runCli(['quarantine', 'list'])).code).toBe(2);
    expect((await runCli(['quarantine', 'list', path.join(dir, 't'), '--format', 'xml'])).code).toBe(2);
    expect((await runCli(['quarantine', 'list', path.join(dir, 't'), '--limit', 'some'])).code).toBe(2);
    expect((await runCli(['quarantine', 'replay'])).code).toBe(2);
  });
});
