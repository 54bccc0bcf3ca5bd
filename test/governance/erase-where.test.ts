import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
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
  it('erases from the tables the predicate can be evaluated on, and proves the tagged values of the rows it matched are gone', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-where-'), 'shop'), 'shop');
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: {
        sql: "SELECT * FROM (VALUES ('w-u1', 'first@where.example', 'xx'), ('w-u2', 'second@where.example', 'fr'), ('w-u3', 'third@where.example', 'xx')) t(user_id, email, country)",
      },
    });
    await tagColumns(users, { email: ['pii:email'] });
    await DeltaTable.create(project.tablePath('clicks'), { engine, data: { sql: "SELECT 'w-u1' AS user_id, 3 AS n" } });

    const report = await erase(project, engine, { where: "country = 'xx'" });
    expect(report.tables.map((t) => [t.name, t.matchedOn, t.rows])).toEqual([['users', ['where'], 2]]);
    // The emails of the rows matched: the table tags them pii:email.
    expect(report.values).toBe(2);
    expect(report.proof?.hits).toEqual([]);
    expect((await (await users.scan()).rows()).map((r) => r['user_id'])).toEqual(['w-u2']);

    await expect(erase(project, engine, {})).rejects.toMatchObject({ code: 'GOVERNANCE_ERASE_INVALID' });
  }, 60_000);
});
