import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureStore, LmdbOnlineStore, type FeatureRepository } from '../../src/features/index.js';
import type { Project } from '../../src/project/index.js';
import type { ExpectationSuite } from '../../src/quality/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';

let engine: Engine;
let project: Project;
let store: FeatureStore;
let online: LmdbOnlineStore;

const repository: FeatureRepository = { entities: [driverEntity], featureViews: [driverStatsView({})] };

/** Driver 2's conv_rate is null: a suite requiring it fails; one on trips passes. */
const FAILING: ExpectationSuite = { name: 'rates', expectations: [{ type: 'expect_column_values_to_not_be_null', kwargs: { column: 'conv_rate' } }] };
const PASSING: ExpectationSuite = {
  name: 'trips',
  expectations: [
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'trips', min_value: 0 } },
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } },
  ],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await driverStatsProject(
    engine,
    `SELECT driver_id, event_ts, created_ts, conv_rate::DOUBLE AS conv_rate, trips::BIGINT AS trips FROM (VALUES
      (1, TIMESTAMPTZ '2024-05-01 10:00:00+00', TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.1, 10),
      (2, TIMESTAMPTZ '2024-05-01 09:00:00+00', TIMESTAMPTZ '2024-05-01 09:00:00+00', NULL, 5)
    ) AS t(driver_id, event_ts, created_ts, conv_rate, trips)`,
    'aquifer-quality-suites-',
  );
  online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
  store = new FeatureStore(project, engine, repository, online);
});
afterAll(async () => {
  await online.close();
  engine.close();
});

const entityRows = {
  sql: `SELECT * FROM (VALUES (1, TIMESTAMPTZ '2024-05-02 00:00:00+00'), (2, TIMESTAMPTZ '2024-05-02 00:00:00+00')) AS t(driver_id, event_timestamp)`,
};

describe('a training set with a suite', () => {
  it('saves nothing when the suite fails: QUALITY_GATE_BLOCKED', async () => {
    const set = await store.historicalFeatures({ entityRows, features: ['driver_stats:conv_rate', 'driver_stats:trips'] });
    const location = path.join(project.root, 'tables', 'blocked_set');
    await expect(set.save(location, { suite: FAILING })).rejects.toMatchObject({ code: 'QUALITY_GATE_BLOCKED' });
    expect(existsSync(location)).toBe(false);
  });

  it('leaves a saved set in place when its replacement fails the suite', async () => {
    const set = await store.historicalFeatures({ entityRows, features: ['driver_stats:conv_rate', 'driver_stats:trips'] });
    const location = path.join(project.root, 'tables', 'kept_set');
    await set.save(location);
    await expect(set.save(location, { overwrite: true, suite: FAILING })).rejects.toMatchObject({ code: 'QUALITY_GATE_BLOCKED' });
    expect(existsSync(path.join(location, '_delta_log', '00000000000000000000.json'))).toBe(true);
  });

  it('saves the set when the suite passes', async () => {
    const set = await store.historicalFeatures({ entityRows, features: ['driver_stats:conv_rate', 'driver_stats:trips'] });
    const { result } = await set.save(path.join(project.root, 'tables', 'passing_set'), { suite: PASSING });
    expect(result.rows).toBe(2);
  });
});

describe('materialization with a suite', () => {
  const window = ['2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z'] as const;

  it('writes nothing to the online store when the suite fails', async () => {
    await expect(store.materialize(...window, { suite: FAILING })).rejects.toMatchObject({ code: 'QUALITY_GATE_BLOCKED' });
    const response = await store.onlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: [1, 2] } });
    expect(response.results[1]?.statuses).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(await online.getMeta('materialized:driver_stats')).toBeUndefined();
  });

  it('materializes when it passes', async () => {
    const [result] = await store.materialize(...window, { suite: PASSING });
    expect(result).toMatchObject({ view: 'driver_stats', written: 2 });
  });
});
