import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { openFeatureStore, openOnlineStore, type FeatureRepository } from '../../src/features/index.js';
import { erase, hashValue, maskTrainingSet, projectSalt, tagColumns } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

const REPOSITORY: FeatureRepository = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
  featureViews: [
    {
      name: 'user_stats',
      entities: ['user'],
      source: { kind: 'table', table: 'user_stats', timestampField: 'ts' },
      features: [{ name: 'f0', type: 'double' }],
    },
  ],
};

const usersSql = `SELECT 'masked-' || lpad(i::VARCHAR, 3, '0') AS user_id, i FROM range(20) t(i)`;

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

/** Every file under a folder whose bytes hold the text. */
async function filesHolding(root: string, text: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if ((await readFile(full)).includes(Buffer.from(text))) found.push(path.relative(root, full));
    }
  };
  await walk(root);
  return found;
}

describe('erase a masked training set', () => {
  it('finds the subject by its hashed key, deletes the row and proves the hash gone too', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-masked-'), 'shop'), 'shop');
    const { table: stats } = await DeltaTable.create(project.tablePath('user_stats', { internal: true }), {
      engine,
      stores: project.stores,
      data: { sql: `SELECT user_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' AS ts, i / 2.0 AS f0 FROM (${usersSql})` },
    });
    await tagColumns(stats, { user_id: ['pii:id'] });
    await writeFile(project.featuresPath, JSON.stringify(REPOSITORY));
    const online = openOnlineStore(project);
    const store = await openFeatureStore(project, engine, online);
    const joined = await store.historicalFeatures({
      entityRows: { sql: `SELECT user_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp, i % 2 AS label FROM (${usersSql})` },
      features: ['user_stats:f0'],
    });
    // As `training-set create` saves it: masked for a reader without the pii scope.
    const set = await maskTrainingSet(store, joined, undefined);
    await set.save(project.tablePath('train', { internal: true }));
    await online.close();

    const subject = 'masked-007';
    const hashed = hashValue(subject, await projectSalt(project));
    const train = await DeltaTable.open(project.tablePath('train', { internal: true }), { engine, stores: project.stores });
    const keys = (await (await train.scan()).rows()).map((r) => r['user_id']);
    expect(keys).toContain(hashed);
    expect(keys).not.toContain(subject);

    const report = await erase(project, engine, { entities: [{ column: 'user_id', value: subject }] });
    expect(report.tables.find((t) => t.name === 'train')).toMatchObject({ kind: 'training-set', rows: 1 });
    // The clear value and its hash are both looked for.
    expect(report.values).toBe(2);
    expect(report.proof?.hits).toEqual([]);
    const after = await DeltaTable.open(project.tablePath('train', { internal: true }), { engine, stores: project.stores });
    const left = (await (await after.scan()).rows()).map((r) => r['user_id']);
    expect(left).toHaveLength(19);
    expect(left).not.toContain(hashed);
    expect(await filesHolding(path.join(project.root, 'tables'), hashed)).toEqual([]);
  }, 120_000);
});
