import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, type FeatureRepository } from '../../src/features/index.js';
import { governanceReport, tagColumns, type TaggedColumn } from '../../src/governance/index.js';
import { recordLineage } from '../../src/lineage/index.js';
import { ModelServing, registerFunctionModel, unregisterFunctionModel } from '../../src/models/index.js';
import { runAsset } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { writeAssets } from '../orchestrate/fixture.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => {
  unregisterFunctionModel('churn');
  engine.close();
});

describe('tags through features, training sets and prediction logs', () => {
  it('reports a feature derived through two SQL steps from a pii column as pii with its path, and so the training set column and the prediction log column', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-governance-flow-'), 'shop'), 'shop');
    const recorder = recordLineage(project, engine);
    const { table: users } = await DeltaTable.create(project.tablePath('users'), {
      engine,
      data: {
        sql: `SELECT * FROM (VALUES ('u1', 'Ann@Example.org', TIMESTAMPTZ '2024-05-01 00:00:00+00'),
          ('u2', 'bo@shop.example', TIMESTAMPTZ '2024-05-01 00:00:00+00')) t(user_id, email, ts)`,
      },
    });
    await tagColumns(users, { email: ['pii:email'], user_id: ['pii:id'] });

    // Two SQL steps, as assets: a normalized email, then its domain.
    await writeAssets(project, 'users', [
      { name: 'users_clean', kind: 'sql', sql: 'SELECT user_id, lower(email) AS email_norm, ts FROM users' },
      { name: 'user_profile', kind: 'sql', sql: "SELECT user_id, split_part(email_norm, '@', 2) AS email_domain, ts FROM users_clean" },
    ]);
    expect((await runAsset(project, 'user_profile', { withUpstream: true, engine })).map((r) => r.status)).toEqual(['success', 'success']);

    // The domain as a feature: in a saved training set, in the online store, and logged by a model served on it.
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
      await set.save(project.tablePath('churn_v1'));
      await features.materialize(0, '2030-01-01T00:00:00Z');
      registerFunctionModel('churn', (rows) => rows.map((row) => (row['email_domain'] === 'example.org' ? 1 : 0)), { trainingSet: 'churn_v1' });
      const serving = new ModelServing({ project, engine, featureStore: async () => features, logDurability: 'before-response' });
      try {
        expect((await serving.predict({ name: 'churn' }, { entities: { user_id: ['u1', 'u2'] } })).predictions).toEqual([1, 0]);
        // A later request of the same version is a commit of its own, whose run has the same column lineage.
        expect((await serving.predict({ name: 'churn' }, { entities: { user_id: ['u2'] } })).predictions).toEqual([0]);
      } finally {
        await serving.close();
      }
    } finally {
      await features.online?.close();
    }
    await recorder.close();

    const report = await governanceReport(project, engine);
    const column = (table: string, name: string) => report.columns.find((c) => c.table === table && c.column === name);
    const email = [{ table: 'users', column: 'email' }];
    const toFeature = ['users.email', 'users_clean.email_norm', 'user_profile.email_domain', 'feature-views/user_profile.email_domain'];
    expect(column('feature-views/user_profile', 'email_domain')).toEqual<TaggedColumn>({
      table: 'feature-views/user_profile',
      column: 'email_domain',
      tags: ['pii:email'],
      declared: false,
      from: email,
      path: toFeature,
    });
    expect(column('training-sets/churn_v1', 'email_domain')).toEqual<TaggedColumn>({
      table: 'training-sets/churn_v1',
      column: 'email_domain',
      tags: ['pii:email'],
      declared: false,
      from: email,
      path: [...toFeature, 'training-sets/churn_v1.email_domain'],
    });
    expect(column('churn_v1', 'email_domain')?.path).toEqual([...toFeature, 'churn_v1.email_domain']);
    expect(column('online-store/user_profile', 'email_domain')?.path).toEqual([...toFeature, 'online-store/user_profile.email_domain']);
    // The prediction log keeps features and entity keys as JSON columns: each holds what feeds it.
    expect(column('churn__predictions', 'features')).toEqual<TaggedColumn>({
      table: 'churn__predictions',
      column: 'features',
      tags: ['pii:email'],
      declared: false,
      from: email,
      path: [...toFeature, 'churn__predictions.features'],
    });
    expect(column('churn__predictions', 'entities')).toEqual<TaggedColumn>({
      table: 'churn__predictions',
      column: 'entities',
      tags: ['pii:id'],
      declared: false,
      from: [{ table: 'users', column: 'user_id' }],
      path: ['users.user_id', 'users_clean.user_id', 'user_profile.user_id', 'feature-views/user_profile.user_id', 'churn__predictions.entities'],
    });
    // What nothing tagged feeds is not reported: the event times, the label, the prediction.
    const reported = new Set(report.columns.map((c) => `${c.table}.${c.column}`));
    for (const untagged of ['user_profile.ts', 'feature-views/user_profile.ts', 'churn_v1.label', 'churn__predictions.prediction'])
      expect(reported.has(untagged), untagged).toBe(false);
  });
});
