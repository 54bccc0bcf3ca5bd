import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let table: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-');
  table = path.join(dir, 'events');
  await writeFile(path.join(dir, 'day1.csv'), 'id,country,amount,day\n1,NL,10.5,2024-05-01\n2,DE,3.25,2024-05-01\n3,NL,7.00,2024-05-01\n');
  await writeFile(path.join(dir, 'day2.jsonl'), '{"id": 4, "country": "FR", "amount": 1.5, "day": "2024-05-02"}\n');
});

describe('aquifer table', () => {
  it('creates, appends, reads, describes and lists history, with --format json everywhere', async () => {
    const created = await runCli(['table', 'create', table, '--from', path.join(dir, 'day1.csv'), '--partition-by', 'day', '--format', 'json']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ version: 0, rows: 3, filesAdded: 1 });

    const appended = await runCli(['table', 'append', table, '--from', path.join(dir, 'day2.jsonl')]);
    expect(appended.code, appended.stderr).toBe(0);
    expect(appended.stdout).toMatch(/Appended 1 rows .* version 1/);

    const read = await runCli(['table', 'read', table, '--where', "country = 'NL'", '--columns', 'id,amount', '--format', 'jsonl']);
    expect(read.code, read.stderr).toBe(0);
    expect(
      read.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .sort((a, b) => Number(a.id) - Number(b.id)),
    ).toEqual([
      { id: 1, amount: 10.5 },
      { id: 3, amount: 7 },
    ]);

    const csv = await runCli(['table', 'read', table, '--version', '0', '--format', 'csv', '--columns', 'id']);
    expect(csv.stdout.trim().split('\n').sort()).toEqual(['1', '2', '3', 'id']);

    const describe = await runCli(['table', 'describe', table, '--format', 'json']);
    expect(JSON.parse(describe.stdout)).toMatchObject({ version: 1, partitionColumns: ['day'], files: 2, rows: 4 });

    const history = await runCli(['table', 'history', table, '--format', 'json']);
    expect(JSON.parse(history.stdout).map((h: { version: number; operation: string }) => [h.version, h.operation])).toEqual([
      [1, 'WRITE'],
      [0, 'CREATE TABLE AS SELECT'],
    ]);

    const text = await runCli(['table', 'describe', table]);
    expect(text.stdout).toContain('partitioned by day');
  });

  it('evolves the schema on --merge-schema and replaces it on --overwrite-schema', async () => {
    const evolving = path.join(dir, 'evolving');
    await writeFile(path.join(dir, 'wide.jsonl'), '{"id": 5, "country": "BE", "channel": "web"}\n');
    expect((await runCli(['table', 'create', evolving, '--from', path.join(dir, 'day1.csv')])).code).toBe(0);
    const refused = await runCli(['table', 'append', evolving, '--from', path.join(dir, 'wide.jsonl')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TABLE_SCHEMA_MISMATCH');
    expect(refused.stderr).toContain('channel');
    expect((await runCli(['table', 'append', evolving, '--from', path.join(dir, 'wide.jsonl'), '--merge-schema'])).code).toBe(0);
    const described = JSON.parse((await runCli(['table', 'describe', evolving, '--format', 'json'])).stdout) as { schema: { name: string }[] };
    expect(described.schema.map((f) => f.name)).toEqual(['id', 'country', 'amount', 'day', 'channel']);

    const replaced = await runCli([
      'table',
      'overwrite',
      evolving,
      '--from',
      path.join(dir, 'wide.jsonl'),
      '--overwrite-schema',
      '--partition-by',
      'country',
      '--format',
      'json',
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    const after = JSON.parse((await runCli(['table', 'describe', evolving, '--format', 'json'])).stdout) as {
      partitionColumns: string[];
      schema: { name: string }[];
    };
    expect(after.schema.map((f) => f.name)).toEqual(['id', 'country', 'channel']);
    expect(after.partitionColumns).toEqual(['country']);
    expect((await runCli(['table', 'overwrite', evolving, '--from', path.join(dir, 'wide.jsonl'), '--partition-by', 'id'])).code).toBe(2);
  });

  it('renames and drops columns with table alter, metadata only', async () => {
    const mapped = path.join(dir, 'mapped');
    expect((await runCli(['table', 'create', mapped, '--from', path.join(dir, 'day1.csv'), '--property', 'delta.columnMapping.mode=name'])).code).toBe(0);
    const renamed = await runCli(['table', 'alter', 'rename-column', mapped, 'country', 'nation', '--format', 'json']);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(JSON.parse(renamed.stdout)).toMatchObject({ version: 1 });
    const dropped = await runCli(['table', 'alter', 'drop-column', mapped, 'amount', 'day']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toContain('version 2');
    const read = await runCli(['table', 'read', mapped, '--format', 'jsonl', '--where', "nation = 'DE'"]);
    expect(
      read.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ id: 2, nation: 'DE' }]);
    const refused = await runCli(['table', 'alter', 'rename-column', table, 'country', 'nation']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TABLE_COLUMN_MAPPING_REQUIRED');
    expect((await runCli(['table', 'alter', '--help'])).stdout).toContain('rename-column');
  });

  it('deletes, updates and merges rows from the command line', async () => {
    const accounts = path.join(dir, 'accounts');
    await writeFile(path.join(dir, 'accounts.csv'), 'id,owner,balance\n1,ann,10\n2,bob,20\n3,cy,30\n4,di,40\n');
    await writeFile(path.join(dir, 'changes.jsonl'), '{"id": 2, "owner": "bob", "balance": 25}\n{"id": 5, "owner": "ed", "balance": 50}\n');
    expect((await runCli(['table', 'create', accounts, '--from', path.join(dir, 'accounts.csv'), '--property', 'delta.enableDeletionVectors=true'])).code).toBe(
      0,
    );
    const deleted = await runCli(['table', 'delete', accounts, '--where', 'id = 1', '--format', 'json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ committed: true, rowsDeleted: 1, deletionVectorsAdded: 1 });
    const updated = await runCli(['table', 'update', accounts, '--set', 'balance=balance * 2', '--where', "owner = 'cy'"]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('updated 1 rows');
    const merged = await runCli([
      'table',
      'merge',
      accounts,
      '--from',
      path.join(dir, 'changes.jsonl'),
      '--on',
      'target.id = source.id',
      '--upsert',
      '--delete-missing',
      'target.id = 4',
      '--format',
      'json',
    ]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ rowsUpdated: 1, rowsInserted: 1, rowsDeleted: 1 });
    const read = await runCli(['table', 'read', accounts, '--format', 'jsonl']);
    expect(
      read.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .sort((a, b) => Number(a.id) - Number(b.id)),
    ).toEqual([
      { id: 2, owner: 'bob', balance: 25 },
      { id: 3, owner: 'cy', balance: 60 },
      { id: 5, owner: 'ed', balance: 50 },
    ]);
    expect((await runCli(['table', 'merge', accounts, '--from', path.join(dir, 'changes.jsonl'), '--on', 'target.id = source.id'])).code).toBe(2);
    const missing = await runCli(['table', 'update', accounts, '--set', 'nope=1']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TABLE_COLUMN_NOT_FOUND');
  });

  it('writes a checkpoint on request, which a reader then starts from', async () => {
    const kept = path.join(dir, 'checkpointed');
    expect((await runCli(['table', 'create', kept, '--from', path.join(dir, 'day1.csv')])).code).toBe(0);
    expect((await runCli(['table', 'append', kept, '--from', path.join(dir, 'day2.jsonl')])).code).toBe(0);
    const done = await runCli(['table', 'checkpoint', kept, '--format', 'json']);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ checkpoint: { version: 1, numOfAddFiles: 2 }, removedLogFiles: [] });
    expect(JSON.parse(await readFile(path.join(kept, '_delta_log', '_last_checkpoint'), 'utf8'))).toMatchObject({ version: 1 });
    const text = await runCli(['table', 'checkpoint', kept, '--no-cleanup']);
    expect(text.stdout).toMatch(/Checkpointed version 1 of .*: 2 files/);
    const described = await runCli(['table', 'describe', kept, '--format', 'json']);
    expect(JSON.parse(described.stdout)).toMatchObject({ version: 1, rows: 4 });
  });

  it('optimizes, vacuums and restores from the command line', async () => {
    const kept = path.join(dir, 'kept');
    expect((await runCli(['table', 'create', kept, '--from', path.join(dir, 'day1.csv')])).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await runCli(['table', 'append', kept, '--from', path.join(dir, 'day1.csv')])).code).toBe(0);
    const optimized = await runCli(['table', 'optimize', kept, '--format', 'json']);
    expect(optimized.code, optimized.stderr).toBe(0);
    expect(JSON.parse(optimized.stdout)).toMatchObject({ committed: true, filesRemoved: 4, filesAdded: 1, version: 4 });
    const refused = await runCli(['table', 'vacuum', kept, '--retention-hours', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('VACUUM_RETENTION_TOO_SHORT');
    const dry = await runCli(['table', 'vacuum', kept, '--retention-hours', '0', '--force', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would delete 4 files');
    const restored = await runCli(['table', 'restore', kept, '--version', '1']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('Restored version 1');
    const described = JSON.parse((await runCli(['table', 'describe', kept, '--format', 'json'])).stdout) as { rows: number; version: number };
    expect(described).toMatchObject({ rows: 6, version: 5 });
    expect((await runCli(['table', 'restore', kept])).code).toBe(2);
  });

  it('reads the change data feed with table changes', async () => {
    const feed = path.join(dir, 'feed');
    expect((await runCli(['table', 'create', feed, '--from', path.join(dir, 'day1.csv'), '--property', 'delta.enableChangeDataFeed=true'])).code).toBe(0);
    expect((await runCli(['table', 'update', feed, '--set', 'amount=0', '--where', 'id = 2'])).code).toBe(0);
    const read = await runCli(['table', 'changes', feed, '--from', '1', '--format', 'jsonl']);
    expect(read.code, read.stderr).toBe(0);
    const rows = read.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r['id'], r['amount'], r['_change_type'], r['_commit_version']]).sort()).toEqual([
      [2, 0, 'update_postimage', 1],
      [2, 3.25, 'update_preimage', 1],
    ]);
    const plain = path.join(dir, 'plain');
    expect((await runCli(['table', 'create', plain, '--from', path.join(dir, 'day1.csv')])).code).toBe(0);
    const refused = await runCli(['table', 'changes', plain, '--from', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('CDF_NOT_ENABLED');
  });

  it('prints values as the server does: longs that fit as numbers, wider ones as exact strings, timestamps in RFC 3339, digit strings as strings', async () => {
    const typed = path.join(dir, 'typed');
    const engine = await Engine.create({ threads: 1 });
    try {
      await DeltaTable.create(typed, {
        engine,
        data: {
          sql: `SELECT 1::BIGINT AS n, 9007199254740993::BIGINT AS big, '02139' AS zip, TIMESTAMPTZ '2026-03-01 09:59:59+00' AS at, TIMESTAMP '2026-03-01 09:59:59' AS local, [{'when': TIMESTAMPTZ '2026-03-01 09:59:59.5+00', 'count': 2::BIGINT}] AS tags`,
        },
      });
    } finally {
      engine.close();
    }
    const expected = {
      n: 1,
      big: '9007199254740993',
      zip: '02139',
      at: '2026-03-01T09:59:59Z',
      local: '2026-03-01T09:59:59',
      tags: [{ when: '2026-03-01T09:59:59.5Z', count: 2 }],
    };
    const jsonl = await runCli(['table', 'read', typed, '--format', 'jsonl']);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    expect(JSON.parse(jsonl.stdout)).toEqual(expected);
    const json = await runCli(['table', 'read', typed, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([expected]);
    const table = await runCli(['table', 'read', typed]);
    expect(table.stdout).toContain('2026-03-01T09:59:59Z');
    expect(table.stdout).toContain('02139');
    expect(table.stdout).not.toContain('+00');
  });

  it("refuses a ragged CSV on table create with a typed error, and appends a CSV with the table's types", async () => {
    await writeFile(path.join(dir, 'ragged.csv'), 'id,zip\n1,02139\n2\n3,94103,extra\n');
    const ragged = await runCli(['table', 'create', path.join(dir, 'ragged'), '--from', path.join(dir, 'ragged.csv')]);
    expect(ragged.code).toBe(1);
    expect(ragged.stderr).toContain('WRITE_SOURCE_MALFORMED');
    const zips = path.join(dir, 'zips');
    await writeFile(path.join(dir, 'zips.jsonl'), '{"id": 1, "zip": "02139"}\n');
    await writeFile(path.join(dir, 'zips.csv'), 'id,zip\n2,00501\n');
    expect((await runCli(['table', 'create', zips, '--from', path.join(dir, 'zips.jsonl')])).code).toBe(0);
    const appended = await runCli(['table', 'append', zips, '--from', path.join(dir, 'zips.csv')]);
    expect(appended.code, appended.stderr).toBe(0);
    const read = await runCli(['table', 'read', zips, '--format', 'jsonl']);
    expect(
      read.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .sort((a, b) => a.id - b.id),
    ).toEqual([
      { id: 1, zip: '02139' },
      { id: 2, zip: '00501' },
    ]);
  });

  it('prints a typed error with its code and hint and exits 1', async () => {
    const result = await runCli(['table', 'read', path.join(dir, 'missing')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error TABLE_NOT_FOUND');
    expect(result.stderr).toContain('hint:');
  });

  it('exits 2 on a malformed command line', async () => {
    expect((await runCli(['table', 'read'])).code).toBe(2);
    expect((await runCli(['table', 'read', table, '--limit', 'many'])).code).toBe(2);
    expect((await runCli(['table', 'frobnicate'])).code).toBe(2);
  });

  it('answers --help on every command', async () => {
    for (const args of [
      [],
      ['table'],
      ['table', 'read'],
      ['table', 'describe'],
      ['table', 'history'],
      ['table', 'create'],
      ['table', 'append'],
      ['table', 'overwrite'],
      ['table', 'alter'],
      ['table', 'alter', 'rename-column'],
      ['table', 'tag'],
      ['governance', 'report'],
      ['table', 'delete'],
      ['table', 'update'],
      ['table', 'merge'],
      ['table', 'optimize'],
      ['table', 'vacuum'],
      ['table', 'checkpoint'],
      ['table', 'restore'],
      ['table', 'changes'],
      ['conformance'],
    ]) {
      const result = await runCli([...args, '--help']);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('Usage: aquifer');
    }
  });
});
