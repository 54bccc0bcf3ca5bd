import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, type FeatureRepository } from '../../src/features/index.js';
import { governanceReport, tagColumns, type TaggedColumn } from '../../src/governance/index.js';
import { recordLineage } from '../../src/lineage/index.js';
import { runAsset } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { writeAssets } from '../orchestrate/fixture.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

/** A MERGE that inserts what `select` makes of the source table's rows: a SQL step whose column lineage the log records. */
async function sqlStep(source: DeltaTable, target: DeltaTable, select: string, columns: readonly string[]): Promise<void> {
  await target.merge({
    source: { sql: `SELECT ${select} FROM (${await (await source.scan()).sql()})` },
    on: 'target.user_id = source.user_id',
    whenNotMatched: [{ insert: Object.fromEntries(columns.map((c) => [c, `source.${c}`])) }],
  });
}

const emptyTable = (project: Project, name: string, columns: string) =>
  DeltaTable.create(project.tablePath(name), { engine, data: { sql: `SELECT ${columns} WHERE false` } }).then((c) => c.table);

describe('governance report', () => {
  it('reports a feature derived through two SQL steps from a pii column as pii, with its path, and nothing derived from untagged columns', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-'), 'shop'), 'shop');
    const recorder = recordLineage(project, engine);
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: {
        sql: `SELECT * FROM (VALUES ('u1', 'Ann@Example.org', 'Ann', TIMESTAMPTZ '2024-05-01 00:00:00+00'),
          ('u2', 'bo@shop.example', 'Bo', TIMESTAMPTZ '2024-05-01 00:00:00+00')) t(user_id, email, first_name, ts)`,
      },
    });
    await tagColumns(users, { email: ['pii:email'], first_name: ['pii:name', 'team:crm'], ts: ['team:crm'] });

    // Two SQL steps: a normalized email, then its domain.
    const clean = await emptyTable(project, 'clean_users', "''::VARCHAR AS user_id, ''::VARCHAR AS email_norm, now() AS ts");
    await sqlStep(users, clean, 'user_id, lower(email) AS email_norm, ts', ['user_id', 'email_norm', 'ts']);
    const profile = await emptyTable(project, 'user_profile', "''::VARCHAR AS user_id, ''::VARCHAR AS email_domain, now() AS ts");
    await sqlStep(clean, profile, "user_id, split_part(email_norm, '@', 2) AS email_domain, ts", ['user_id', 'email_domain', 'ts']);

    // The domain as a feature, in a saved training set.
    const repository: FeatureRepository = {
      entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
      featureViews: [
        {
          name: 'user_profile',
          entities: ['user'],
          source: { kind: 'table', table: 'user_profile', timestampField: 'ts' },
          features: [{ name: 'email_domain', type: 'string' }],
        },
      ],
    };
    await writeFile(project.featuresPath, JSON.stringify(repository));
    await new FeatureRegistry(project).apply(repository, engine);
    const features = await openAppliedFeatureStore(project, engine);
    try {
      const set = await features.historicalFeatures({
        entityRows: { sql: `SELECT * FROM (VALUES ('u1', TIMESTAMPTZ '2024-06-01 00:00:00+00', 1)) t(user_id, event_timestamp, label)` },
        features: ['user_profile:email_domain'],
      });
      await set.save(project.tablePath('profile_v1'));
    } finally {
      await features.online?.close();
    }
    await recorder.close();

    const report = await governanceReport(project, engine);
    const users_email = { table: 'users', column: 'email' };
    const chain = ['users.email', 'clean_users.email_norm', 'user_profile.email_domain'];
    expect(report.columns).toEqual<TaggedColumn[]>([
      { table: 'clean_users', column: 'email_norm', tags: ['pii:email'], declared: false, from: [users_email], path: chain.slice(0, 2) },
      {
        table: 'feature-views/user_profile',
        column: 'email_domain',
        tags: ['pii:email'],
        declared: false,
        from: [users_email],
        path: [...chain, 'feature-views/user_profile.email_domain'],
      },
      {
        table: 'profile_v1',
        column: 'email_domain',
        tags: ['pii:email'],
        declared: false,
        from: [users_email],
        path: [...chain, 'feature-views/user_profile.email_domain', 'profile_v1.email_domain'],
      },
      {
        table: 'training-sets/profile_v1',
        column: 'email_domain',
        tags: ['pii:email'],
        declared: false,
        from: [users_email],
        path: [...chain, 'feature-views/user_profile.email_domain', 'training-sets/profile_v1.email_domain'],
      },
      { table: 'user_profile', column: 'email_domain', tags: ['pii:email'], declared: false, from: [users_email], path: chain },
      { table: 'users', column: 'email', tags: ['pii:email'], declared: true },
      { table: 'users', column: 'first_name', tags: ['pii:name', 'team:crm'], declared: true },
      // A custom tag stays on its column: ts flows on, but is not reported downstream.
      { table: 'users', column: 'ts', tags: ['team:crm'], declared: true },
    ]);
  });

  it('follows tags through SQL assets run in two steps, and through a table created from SQL', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-assets-'), 'shop'), 'shop');
    const recorder = recordLineage(project, engine);
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: { sql: "SELECT * FROM (VALUES ('u1', 'Ann@Example.org', 3)) t(user_id, email, visits)" },
    });
    await tagColumns(users, { email: ['pii'] });
    await writeAssets(project, 'users', [
      { name: 'clean_users', kind: 'sql', sql: 'SELECT user_id, lower(email) AS email_norm, visits FROM users' },
      { name: 'user_domains', kind: 'sql', sql: "SELECT user_id, split_part(email_norm, '@', 2) AS email_domain, visits * 2 AS score FROM clean_users" },
    ]);
    const runs = await runAsset(project, 'user_domains', { withUpstream: true, engine });
    expect(runs.map((r) => r.status)).toEqual(['success', 'success']);
    // A table created from SQL over a scan records its column lineage too.
    await DeltaTable.create(project.tablePath('hashed'), {
      engine,
      data: { sql: `SELECT md5(email) AS email_hash, visits FROM (${await (await users.scan()).sql()})` },
    });
    await recorder.close();

    const report = await governanceReport(project, engine);
    const from = [{ table: 'users', column: 'email' }];
    expect(report.columns).toEqual<TaggedColumn[]>([
      { table: 'clean_users', column: 'email_norm', tags: ['pii'], declared: false, from, path: ['users.email', 'clean_users.email_norm'] },
      { table: 'hashed', column: 'email_hash', tags: ['pii'], declared: false, from, path: ['users.email', 'hashed.email_hash'] },
      {
        table: 'user_domains',
        column: 'email_domain',
        tags: ['pii'],
        declared: false,
        from,
        path: ['users.email', 'clean_users.email_norm', 'user_domains.email_domain'],
      },
      { table: 'users', column: 'email', tags: ['pii'], declared: true },
    ]);
  });

  it('follows tags through the column lineage a TypeScript asset declares for the rows it returns', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-ts-'), 'shop'), 'shop');
    const recorder = recordLineage(project, engine);
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: { sql: "SELECT * FROM (VALUES ('u1', 'Ann@Example.org', 3)) t(user_id, email, visits)" },
    });
    await tagColumns(users, { email: ['pii:email'] });
    await writeFile(
      path.join(project.root, 'domains.mjs'),
      `export default async ({ tables, engine }) =>
        (await engine.query(\`SELECT user_id, email FROM (\${tables.users})\`)).map((r) => ({ user_id: r.user_id, domain: r.email.split('@')[1] }));\n`,
    );
    await writeAssets(project, 'users', [
      { name: 'domains', kind: 'typescript', module: 'domains.mjs', reads: ['users'], columnLineage: { domain: ['users.email'], user_id: ['users.user_id'] } },
      { name: 'undeclared', kind: 'typescript', module: 'domains.mjs', reads: ['users'] },
      { name: 'misdeclared', kind: 'typescript', module: 'domains.mjs', reads: ['users'], columnLineage: { domain: ['orders.email'] } },
    ]);
    // Lineage from a table it does not read fails the run before the function runs.
    await expect(runAsset(project, 'misdeclared', { engine })).rejects.toMatchObject({ code: 'ASSET_RUN_FAILED' });
    expect((await runAsset(project, 'domains', { engine })).map((r) => r.status)).toEqual(['success']);
    expect((await runAsset(project, 'undeclared', { engine })).map((r) => r.status)).toEqual(['success']);
    await recorder.close();

    const report = await governanceReport(project, engine);
    expect(report.columns).toEqual<TaggedColumn[]>([
      {
        table: 'domains',
        column: 'domain',
        tags: ['pii:email'],
        declared: false,
        from: [{ table: 'users', column: 'email' }],
        path: ['users.email', 'domains.domain'],
      },
      { table: 'users', column: 'email', tags: ['pii:email'], declared: true },
    ]);
  });

  it('follows tags through column-mapped tables, whose files name columns apart from the schema', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-mapped-'), 'shop'), 'shop');
    const recorder = recordLineage(project, engine);
    const properties = { 'delta.columnMapping.mode': 'name' };
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      properties,
      data: { sql: "SELECT 'u1' AS user_id, 'A@x.org' AS mail" },
    });
    await users.renameColumn('mail', 'email');
    await tagColumns(users, { email: ['pii:email'] });
    const scan = async (table: DeltaTable) => (await table.scan()).sql();
    const { table: clean } = await DeltaTable.create(project.tablePath('clean_users'), {
      engine,
      properties,
      data: { sql: `SELECT user_id, lower(email) AS email_norm FROM (${await scan(users)})` },
    });
    await DeltaTable.create(project.tablePath('domains'), {
      engine,
      data: { sql: `SELECT split_part(email_norm, '@', 2) AS domain FROM (${await scan(clean)})` },
    });
    await recorder.close();

    const report = await governanceReport(project, engine);
    expect(report.columns.map((c) => ({ ...c, path: c.path?.join(' → ') }))).toEqual([
      {
        table: 'clean_users',
        column: 'email_norm',
        tags: ['pii:email'],
        declared: false,
        from: [{ table: 'users', column: 'email' }],
        path: 'users.email → clean_users.email_norm',
      },
      {
        table: 'domains',
        column: 'domain',
        tags: ['pii:email'],
        declared: false,
        from: [{ table: 'users', column: 'email' }],
        path: 'users.email → clean_users.email_norm → domains.domain',
      },
      { table: 'users', column: 'email', tags: ['pii:email'], declared: true },
    ]);
  });
});
