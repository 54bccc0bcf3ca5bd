import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { tagColumns, type ErasureReport } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

describe('aquifer erase', () => {
  it('lists the places on a dry run, erases with the proof, and refuses an entity without a value', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-cli-'), 'shop'), 'shop');
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: { sql: "SELECT * FROM (VALUES ('gone-u1', 'gone@mail.example'), ('kept-u2', 'kept@mail.example')) t(user_id, email)" },
    });
    await tagColumns(users, { email: ['pii:email'] });
    await DeltaTable.create(project.tablePath('orders'), {
      engine,
      data: { sql: "SELECT * FROM (VALUES ('gone-u1', 3), ('kept-u2', 4), ('gone-u1', 5)) t(user_id, amount)" },
      // Partitioned by the id: its folder's name holds the value too.
      partitionColumns: ['user_id'],
    });

    const dry = await runCli(['erase', '--entity', 'user_id=gone-u1', '--dry-run', '--format', 'json', '--project', project.root]);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as ErasureReport;
    expect(planned.tables.map((t) => [t.name, t.rows])).toEqual([
      ['orders', 2],
      ['users', 1],
    ]);
    expect(planned.values).toBe(2);

    const text = await runCli(['erase', '--entity', 'user_id=gone-u1', '--project', project.root]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('no hits');
    const log = await readFile(path.join(project.tablePath('users'), '_delta_log', '00000000000000000004.json'), 'utf8');
    expect(log).toContain('VACUUM END');
    expect(log).not.toContain('gone');
    expect(await readdir(project.tablePath('orders'))).toEqual(['_delta_log', 'user_id=kept-u2']);

    const again = await runCli(['erase', '--entity', 'user_id=gone-u1', '--format', 'json', '--project', project.root]);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as ErasureReport).tables.every((t) => t.rows === 0 && t.purged === undefined)).toBe(true);

    const bad = await runCli(['erase', '--entity', 'user_id', '--project', project.root]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('GOVERNANCE_ERASE_INVALID');
  }, 120_000);
});
