import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { GovernanceReport } from '../../src/governance/index.js';
import { recordLineage } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

describe('aquifer table tag and aquifer governance report', () => {
  it('tags a column by table name, reports it and what a SQL step derived from it, and refuses a bad tag with its code', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-cli-'), 'shop'), 'shop');
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: { sql: "SELECT 'u1' AS user_id, 'Ann@Example.org' AS email" },
    });

    const tagged = await runCli(['table', 'tag', 'users', 'email', 'pii:email', 'sensitive', '--project', project.root, '--format', 'json']);
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(JSON.parse(tagged.stdout)).toMatchObject({ version: 1, column: 'email', tags: ['pii:email', 'sensitive'] });
    const removed = await runCli(['table', 'tag', 'users', 'email', 'sensitive', '--remove', '--project', project.root]);
    expect(removed.stdout).toContain('email of');
    expect(removed.stdout).toContain('tagged pii:email at version 2');
    const bad = await runCli(['table', 'tag', 'users', 'email', 'Not A Tag', '--project', project.root]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('GOVERNANCE_TAG_INVALID');

    // One SQL step (a MERGE, whose column lineage the log records) from the tagged column.
    const recorder = recordLineage(project, engine);
    const { table: clean } = await DeltaTable.create(project.tablePath('clean_users'), {
      engine,
      data: { sql: "SELECT ''::VARCHAR AS user_id, ''::VARCHAR AS email_norm WHERE false" },
    });
    await clean.merge({
      source: { sql: `SELECT user_id, lower(email) AS email_norm FROM (${await (await users.scan()).sql()})` },
      on: 'target.user_id = source.user_id',
      whenNotMatched: [{ insert: { user_id: 'source.user_id', email_norm: 'source.email_norm' } }],
    });
    await recorder.close();

    const json = await runCli(['governance', 'report', '--project', project.root, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as GovernanceReport).columns).toEqual([
      {
        table: 'clean_users',
        column: 'email_norm',
        tags: ['pii:email'],
        declared: false,
        from: [{ table: 'users', column: 'email' }],
        path: ['users.email', 'clean_users.email_norm'],
      },
      { table: 'users', column: 'email', tags: ['pii:email'], declared: true },
    ]);
    const text = await runCli(['governance', 'report', '--project', project.root]);
    expect(text.stdout).toContain('users.email → clean_users.email_norm');
  });
});
