import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { FeatureRepository } from '../../src/features/index.js';
import { applyDefinitionTags, declaredDefinitionTags, tagsOf } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

const repository = (tags: string[]): FeatureRepository => ({
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'long', tags: ['pii:id'] }] }],
  featureViews: [
    {
      name: 'profile',
      entities: ['user'],
      source: { kind: 'table', table: 'users', timestampField: 'ts', columnTags: { city: ['pii:location'] } },
      features: [{ name: 'email', type: 'string', tags }],
    },
    {
      name: 'derived',
      entities: ['user'],
      source: { kind: 'table', table: 'users', timestampField: 'ts' },
      transformation: 'SELECT user_id, ts, upper(email) AS shout FROM source',
      features: [{ name: 'shout', type: 'string', tags: ['pii:email'] }],
    },
  ],
});

describe('applyDefinitionTags', () => {
  it("sets the definitions' tags on source columns in one commit, leaves a computed feature's on the feature, and commits nothing when all are there", async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-definition-tags-'), 'p'));
    const repo = repository(['PII:Email']);
    expect(declaredDefinitionTags(repo)).toEqual(new Map([['users', { city: ['pii:location'], user_id: ['pii:id'], email: ['pii:email'] }]]));
    // Before the source table exists, nothing to tag yet.
    expect(await applyDefinitionTags(project, engine, repo)).toEqual([{ table: 'users', columns: expect.any(Object) as object, pending: true }]);
    await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: { sql: "SELECT 1::BIGINT AS user_id, 'a@b.c' AS email, 'Gent' AS city, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS ts" },
    });
    const [first] = await applyDefinitionTags(project, engine, repo);
    expect(first?.version).toBe(1);
    const table = await DeltaTable.open(project.tablePath('users'), { engine });
    const tags = Object.fromEntries((await table.snapshot()).schema.fields.map((f) => [f.name, tagsOf(f.metadata)]));
    expect(tags).toEqual({ user_id: ['pii:id'], email: ['pii:email'], city: ['pii:location'], ts: [] });
    const [second] = await applyDefinitionTags(project, engine, repo);
    expect(second?.version).toBeUndefined();
    expect((await table.snapshot()).version).toBe(1);
  });

  it('refuses a tag that breaks the rules before anything is committed', () => {
    expect(() => declaredDefinitionTags(repository(['not a tag']))).toThrowError(expect.objectContaining({ code: 'GOVERNANCE_TAG_INVALID' }) as Error);
  });
});
