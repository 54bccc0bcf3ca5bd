import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureStore, entity, featureView, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let store: FeatureStore;

const repository: FeatureRepository = {
  entities: [entity({ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] })],
  featureViews: [
    featureView({
      name: 'stats',
      entities: ['driver'],
      source: { kind: 'table', table: 'stats', timestampField: 'event_ts' },
      features: [{ name: 'rate', type: 'double' }],
    }),
  ],
};

/** Enough entity rows for many row groups read and joined by both threads (DuckDB's blocks are 122,880 rows). */
const ROWS = 300_000;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-training-order-'));
  await DeltaTable.create(project.tablePath('stats'), {
    engine,
    data: { sql: `SELECT i % 1000 AS driver_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(i) AS event_ts, i::DOUBLE AS rate FROM range(5000) t(i)` },
  });
  store = new FeatureStore(project, engine, repository);
});
afterAll(() => engine.close());

/** How many rows of `sql` are not where their label (0, 1, 2, ... in entity order) says. */
async function misplaced(sql: string): Promise<{ rows: number; misplaced: number }> {
  const rows = await engine.query(`SELECT label FROM (${sql})`);
  return { rows: rows.length, misplaced: rows.filter((row, i) => Number(row['label']) !== i).length };
}

describe('saved training sets', () => {
  it('keep the entity rows in their order across many row groups', async () => {
    const file = path.join(project.root, 'entities.parquet');
    // Keys and times scrambled against the row order, so no join or sort restores it by accident.
    await engine.run(
      `COPY (SELECT (i * 7919) % 1000 AS driver_id, TIMESTAMPTZ '2024-05-03 00:00:00+00' - to_seconds((i * 104729) % 86400) AS event_timestamp, i AS label FROM range(${ROWS}) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 10000)`,
    );
    const set = await store.historicalFeatures({ entityRows: { files: file }, features: ['stats:rate'] });
    const location = path.join(project.root, 'tables', 'training');
    await set.save(location);
    const scan = await (await DeltaTable.open(location, { engine })).scan();
    expect(await misplaced(await scan.sql())).toEqual({ rows: ROWS, misplaced: 0 });
    // The features are still the right ones, not merely rows in order.
    const wrong = await engine.query(`SELECT count(*) AS n FROM (${await scan.sql()}) WHERE rate IS NULL OR CAST(rate AS BIGINT) % 1000 <> driver_id`);
    expect(Number(wrong[0]?.['n'])).toBe(0);
  });
});
