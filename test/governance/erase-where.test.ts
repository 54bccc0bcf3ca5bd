import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LmdbOnlineStore } from '../../src/features/index.js';
import { erase, tagColumns } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

describe('erase --where', () => {
  it("follows the matched rows' subjects: their keys are erased from every table, and their tagged values proved gone", async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-where-'), 'shop'), 'shop');
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: {
        sql: "SELECT * FROM (VALUES ('w-u1', 'first@where.example', 'xx'), ('w-u2', 'second@where.example', 'fr'), ('w-u3', 'third@where.example', 'xx')) t(user_id, email, country)",
      },
    });
    await tagColumns(users, { email: ['pii:email'], user_id: ['pii:id'] });
    // clicks has no country: the predicate cannot be evaluated on it, but w-u1's key is there.
    const { table: clicks } = await DeltaTable.create(project.tablePath('clicks'), {
      engine,
      data: { sql: "SELECT * FROM (VALUES ('w-u1', 3), ('w-u2', 4)) t(user_id, n)" },
    });

    const report = await erase(project, engine, { where: "country = 'xx'" });
    expect(report.tables.map((t) => [t.name, t.matchedOn, t.rows])).toEqual([
      ['clicks', ['user_id'], 1],
      ['users', ['user_id', 'where'], 2],
    ]);
    // The keys and emails of the rows matched.
    expect(report.values).toBe(4);
    expect(report.proof?.hits).toEqual([]);
    expect((await (await users.scan()).rows()).map((r) => r['user_id'])).toEqual(['w-u2']);
    expect((await (await clicks.scan()).rows()).map((r) => r['user_id'])).toEqual(['w-u2']);

    await expect(erase(project, engine, {})).rejects.toMatchObject({ code: 'GOVERNANCE_ERASE_INVALID' });
  }, 60_000);

  it('fails rather than prove nothing when the matched rows have no entity key or tagged value', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-where-'), 'shop'), 'shop');
    const { table } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: "SELECT 'x' AS kind, 1 AS n" } });
    await expect(erase(project, engine, { where: "kind = 'x'" })).rejects.toMatchObject({ code: 'GOVERNANCE_ERASE_INVALID' });
    expect(await (await table.scan()).rows()).toHaveLength(1);
  }, 60_000);

  it('takes one boolean expression without a subquery: a second statement or a file read through a subquery is refused before anything runs', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-where-'), 'shop'), 'shop');
    const { table } = await DeltaTable.create(project.tablePath('users'), { engine, data: { sql: "SELECT 'u1' AS user_id, 'xx' AS country" } });
    await tagColumns(table, { user_id: ['pii:id'] });
    const written = path.join(project.root, 'written.csv');
    await expect(erase(project, engine, { where: `country = 'xx'; COPY (SELECT 42) TO '${written}'` }, { dryRun: true })).rejects.toMatchObject({
      code: 'TABLE_PREDICATE_INVALID',
    });
    await expect(
      erase(project, engine, { where: `country IN (SELECT content FROM read_text('${path.join(project.root, 'aquifer.json')}'))` }, { dryRun: true }),
    ).rejects.toMatchObject({ code: 'GOVERNANCE_ERASE_INVALID' });
    await expect(import('node:fs/promises').then((fs) => fs.access(written))).rejects.toThrow();
    expect(await (await table.scan()).rows()).toHaveLength(1);
  }, 60_000);

  it('refuses before deleting anything when the online store cannot be rebuilt (this process holds it open elsewhere)', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-busy-'), 'shop'), 'shop');
    const { table } = await DeltaTable.create(project.tablePath('users'), { engine, data: { sql: "SELECT 'u1' AS user_id, 'xx' AS country" } });
    await tagColumns(table, { user_id: ['pii:id'] });
    const held = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    try {
      await expect(erase(project, engine, { entities: [{ column: 'user_id', value: 'u1' }] })).rejects.toMatchObject({ code: 'FEATURE_ONLINE_STORE_BUSY' });
      expect(await (await DeltaTable.open(project.tablePath('users'), { engine })).scan().then((scan) => scan.rows())).toHaveLength(1);
    } finally {
      await held.close();
    }
  }, 60_000);
});
