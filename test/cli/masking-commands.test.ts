import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { hashValue, projectSalt, tagsOf, unmaskedReadsFile, type UnmaskedRead } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { TRAINING_SET_PROPERTY } from '../../src/features/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

describe('masking from the CLI', () => {
  it('tags what definitions declare on apply, masks table reads and training sets, and records reads in the clear', async () => {
    const dir = await tempDir('aquifer-masking-cli-');
    const project = await Project.init(path.join(dir, 'shop'), 'shop');
    await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: { sql: "SELECT 1::BIGINT AS user_id, 'ann@example.com' AS email, 3::BIGINT AS logins, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts" },
    });
    await writeFile(
      project.featuresPath,
      JSON.stringify({
        entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'long' }] }],
        featureViews: [
          {
            name: 'profile',
            entities: ['user'],
            source: { kind: 'table', table: 'users', timestampField: 'event_ts', columnTags: { email: ['pii:email'] } },
            features: [
              { name: 'email', type: 'string' },
              { name: 'logins', type: 'long' },
            ],
          },
        ],
      }),
    );
    const applied = await runCli(['apply', '--project', project.root, '--format', 'json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ tags: [{ table: 'users', columns: { email: ['pii:email'] }, version: 1 }] });
    const fields = (await (await DeltaTable.open(project.tablePath('users'), { engine })).snapshot()).schema.fields;
    expect(tagsOf(fields.find((f) => f.name === 'email')?.metadata ?? {})).toEqual(['pii:email']);
    // Applying again finds the tags there and commits nothing.
    const again = await runCli(['apply', '--project', project.root, '--format', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ tags: [{ table: 'users' }] });
    expect((JSON.parse(again.stdout) as { tags: { version?: number }[] }).tags[0]?.version).toBeUndefined();

    const read = async (...flags: string[]) => {
      const result = await runCli(['table', 'read', 'users', '--project', project.root, '--format', 'json', '--columns', 'user_id,email', ...flags]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Record<string, unknown>[];
    };
    const salt = await projectSalt(project);
    expect(await read()).toEqual([{ user_id: 1, email: hashValue('ann@example.com', salt) }]);
    expect(await read('--unmasked')).toEqual([{ user_id: 1, email: 'ann@example.com' }]);
    const records = (await readFile(unmaskedReadsFile(project), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as UnmaskedRead);
    expect(records).toMatchObject([{ command: 'table read', version: 1, columns: ['email'] }]);
    expect(records[0]?.user).not.toBe('');

    const entities = path.join(dir, 'entities.csv');
    await writeFile(entities, 'user_id,event_timestamp\n1,2024-05-02T00:00:00Z\n');
    const create = async (name: string, ...flags: string[]) => {
      const result = await runCli(
        ['training-set', 'create', name, '--entities', entities, '--features', 'profile:email,profile:logins', '--project', project.root, ...flags],
        { cwd: dir },
      );
      expect(result.code, result.stderr).toBe(0);
      const table = await DeltaTable.open(project.tablePath(name), { engine });
      const manifest = JSON.parse(String((await table.snapshot()).configuration[TRAINING_SET_PROPERTY])) as { masking?: unknown };
      return { stdout: result.stdout, rows: await (await table.scan({ columns: ['email', 'logins'] })).rows(), masking: manifest.masking };
    };
    const masked = await create('profile_masked');
    expect(masked.rows).toEqual([{ email: hashValue('ann@example.com', salt), logins: '3' }]);
    expect(masked.masking).toEqual({ clear: false, columns: [{ column: 'email', tags: ['pii:email'], strategy: 'hash' }] });
    expect(masked.stdout).toContain('Masked: email (hash)');
    const clear = await create('profile_clear', '--unmasked');
    expect(clear.rows).toEqual([{ email: 'ann@example.com', logins: '3' }]);
    expect(clear.masking).toEqual({ clear: true, columns: [] });

    const outside = await runCli(['table', 'read', project.tablePath('users'), '--format', 'json'], { cwd: dir });
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('GOVERNANCE_MASK_NO_PROJECT');
  });
});
