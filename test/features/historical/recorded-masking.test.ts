import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import {
  FeatureRegistry,
  openAppliedFeatureStore,
  readProjectDefinitions,
  trainingSetDefinition,
  type FeatureRepository,
} from '../../../src/features/index.js';
import { maskTrainingSet, tagColumns } from '../../../src/governance/index.js';
import { saveFreshTrainingSet, openModelStore } from '../../../src/models/index.js';
import { Project, projectSalt } from '../../../src/project/index.js';
import { DeltaTable, hashValue } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

const REPOSITORY: FeatureRepository = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
  featureViews: [
    {
      name: 'profile',
      entities: ['user'],
      source: { kind: 'table', table: 'profile', timestampField: 'ts' },
      features: [
        { name: 'email', type: 'string' },
        { name: 'visits', type: 'long' },
      ],
    },
  ],
};
const ENTITY_ROWS = `SELECT * FROM (VALUES ('u1', TIMESTAMPTZ '2024-06-01 00:00:00+00', 1), ('u2', TIMESTAMPTZ '2024-06-01 00:00:00+00', 0)) t(user_id, event_timestamp, label)`;

let engine: Engine;
let project: Project;
let salt: Buffer;

const rowsOf = async (name: string, version?: number) => {
  const table = await DeltaTable.open(project.tablePath(name), { engine, stores: project.stores });
  return engine.queryJson(`SELECT * FROM (${await (await table.scan(version === undefined ? {} : { version })).sql()}) ORDER BY user_id`);
};

/** `train`: saved as `training-set create` saves it, masked for a reader without the pii scope (email hashed, its key clear). */
beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-recorded-masking-'), 'shop'), 'shop');
  const { table: profile } = await DeltaTable.create(project.tablePath('profile'), {
    engine,
    data: {
      sql: `SELECT * FROM (VALUES ('u1', 'ann@mail.example', 3::BIGINT, TIMESTAMPTZ '2024-05-01 00:00:00+00'), ('u2', 'bob@mail.example', 5::BIGINT, TIMESTAMPTZ '2024-05-01 00:00:00+00')) t(user_id, email, visits, ts)`,
    },
  });
  await tagColumns(profile, { email: ['pii:email'] });
  await writeFile(project.featuresPath, JSON.stringify(REPOSITORY));
  await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
  const store = await openAppliedFeatureStore(project, engine);
  await store.online?.close();
  const joined = await store.historicalFeatures({ entityRows: { sql: ENTITY_ROWS }, features: ['profile:email', 'profile:visits'] });
  await (await maskTrainingSet(store, joined, undefined)).save(project.tablePath('train'));
  salt = await projectSalt(project);
  // Landed since: the latest version holds a new email for u1.
  await profile.append({ sql: `SELECT 'u1' AS user_id, 'ann.new@mail.example' AS email, 4::BIGINT AS visits, TIMESTAMPTZ '2024-05-02 00:00:00+00' AS ts` });
}, 120_000);

afterAll(() => engine?.close());

describe('recreating a masked training set', () => {
  it('masks again what the manifest records, so a recreation at the pinned versions equals the saved rows', async () => {
    const saved = await rowsOf('train');
    expect(saved.map((r) => r['email'])).toEqual([hashValue('ann@mail.example', salt), hashValue('bob@mail.example', salt)]);
    const store = await openAppliedFeatureStore(project, engine);
    await store.online?.close();
    const recreated = await store.recreateTrainingSet(project.tablePath('train'));
    expect(recreated.definition.masking).toEqual((await trainingSetDefinition(await DeltaTable.open(project.tablePath('train'), { engine }))).masking);
    expect(await engine.queryJson(`SELECT * FROM (${recreated.sql}) ORDER BY user_id`)).toEqual(saved);
  });

  it('masks a set refreshed at the latest versions, and retraining saves it masked', async () => {
    const store = await openAppliedFeatureStore(project, engine);
    await store.online?.close();
    const latest = await store.recreateTrainingSet(project.tablePath('train'), { tables: 'latest' });
    const rows = await engine.queryJson(`SELECT * FROM (${latest.sql}) ORDER BY user_id`);
    expect(rows.map((r) => [r['user_id'], r['email'], Number(r['visits'])])).toEqual([
      ['u1', hashValue('ann.new@mail.example', salt), 4],
      ['u2', hashValue('bob@mail.example', salt), 5],
    ]);

    const models = await openModelStore(project);
    try {
      const fresh = await saveFreshTrainingSet(project, engine, models, 'train', 'train-retrain');
      const saved = await rowsOf(fresh.name);
      expect(saved.map((r) => r['email'])).toEqual([hashValue('ann.new@mail.example', salt), hashValue('bob@mail.example', salt)]);
      expect((await trainingSetDefinition(await DeltaTable.open(project.tablePath(fresh.name), { engine }))).masking).toMatchObject({
        clear: false,
        columns: [{ column: 'email', strategy: 'hash' }],
      });
    } finally {
      await models.close();
    }
  });

  it('refuses a set saved with its join key masked: its keys no longer match the tables', async () => {
    const profile = await DeltaTable.open(project.tablePath('profile'), { engine });
    await tagColumns(profile, { user_id: ['pii:id'] });
    const store = await openAppliedFeatureStore(project, engine);
    await store.online?.close();
    const joined = await store.historicalFeatures({ entityRows: { sql: ENTITY_ROWS }, features: ['profile:email'] });
    const masked = await maskTrainingSet(store, joined, undefined);
    expect(masked.definition.masking?.columns.map((c) => c.column)).toContain('user_id');
    await masked.save(project.tablePath('train_keys_masked'));
    await expect(store.recreateTrainingSet(project.tablePath('train_keys_masked'))).rejects.toMatchObject({ code: 'FEATURE_TRAINING_SET_INVALID' });
  });
});
