import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { aggregationView, FeatureStore, LmdbOnlineStore, MAX_ONLINE_KEY_BYTES, parseEventTime, type FeatureRepository } from '../../../src/features/index.js';
import type { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../../support/driver-stats.js';

let engine: Engine;
let project: Project;
let online: LmdbOnlineStore;
let store: FeatureStore;

const repository: FeatureRepository = {
  entities: [driverEntity, { name: 'city', joinKeys: [{ name: 'city', type: 'string' }] }],
  featureViews: [
    driverStatsView(),
    {
      name: 'city_stats',
      entities: ['city'],
      source: { kind: 'table', table: 'city_stats', timestampField: 'event_ts' },
      features: [{ name: 'rides', type: 'long' }],
    },
    aggregationView({
      name: 'driver_activity',
      entities: ['driver'],
      source: { kind: 'table', table: 'driver_stats', timestampField: 'event_ts' },
      interval: '10m',
      aggregations: [{ function: 'count', window: '1h' }],
    }),
  ],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await driverStatsProject(
    engine,
    `SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts, 0.5::DOUBLE AS conv_rate, 7::BIGINT AS trips`,
    'aquifer-push-',
  );
  online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
  store = new FeatureStore(project, engine, repository, online);
});

afterAll(async () => {
  await online.close();
  engine.close();
});

const tableVersion = async () => (await (await DeltaTable.open(project.tablePath('driver_stats'), { engine })).snapshot()).version;
const trips = async (ids: readonly number[]) => (await store.onlineFeatures({ features: ['driver_stats:trips'], entities: { driver_id: ids } })).results[1];

async function refused(work: Promise<unknown>): Promise<{ code?: string; value?: unknown }> {
  try {
    await work;
  } catch (error) {
    return error as { code?: string; value?: unknown };
  }
  throw new Error('expected the push to be refused');
}

describe('FeatureStore.push', () => {
  it('stores pushed rows online, with their event time', async () => {
    const result = await store.push({
      view: 'driver_stats',
      columns: { driver_id: [101, 102], event_ts: ['2024-05-02T00:00:00Z', '2024-05-02 01:30:00+02:00'], conv_rate: [0.25, null], trips: [3, 4] },
    });
    expect(result).toMatchObject({ pushed: 2, to: 'online', onlineWritten: 2 });
    expect(await trips([101, 102])).toEqual({
      values: [3, 4],
      statuses: ['PRESENT', 'PRESENT'],
      event_timestamps: ['2024-05-02T00:00:00Z', '2024-05-01T23:30:00Z'],
    });
  });

  it("refuses a value not of its feature's type, naming column, row and type, and writes no row of the push", async () => {
    const version = await tableVersion();
    const error = await refused(
      store.push({
        view: 'driver_stats',
        to: 'online_and_offline',
        columns: { driver_id: [201, 202], event_ts: ['2024-05-02T00:00:00Z', '2024-05-02T00:00:00Z'], conv_rate: [0.1, 0.2], trips: [1, 'many'] },
      }),
    );
    expect(error).toMatchObject({ code: 'FEATURE_PUSH_VALUE_INVALID', value: { column: 'trips', row: 1, expected: 'long' } });
    expect((await trips([201, 202]))?.statuses).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(await tableVersion()).toBe(version);
  });

  it('refuses numbers as text, fractions and unsafe integers in long features, and text in double features', async () => {
    const push = (conv: unknown, count: unknown) =>
      refused(store.push({ view: 'driver_stats', columns: { driver_id: [203], event_ts: ['2024-05-02T00:00:00Z'], conv_rate: [conv], trips: [count] } }));
    for (const count of ['1', 1.5, 2 ** 60, true])
      expect(await push(0.1, count), String(count)).toMatchObject({ code: 'FEATURE_PUSH_VALUE_INVALID', value: { column: 'trips', row: 0 } });
    expect(await push('0.1', 1)).toMatchObject({ code: 'FEATURE_PUSH_VALUE_INVALID', value: { column: 'conv_rate', expected: 'double' } });
    expect((await trips([203]))?.statuses).toEqual(['NOT_FOUND']);
  });

  it('refuses an event time that is not an ISO 8601 timestamp ("1" is not the year 2001)', async () => {
    for (const ts of ['1', '2024-13-01T00:00:00Z', '2024-02-30', 'yesterday', 1714521600000]) {
      const error = await refused(store.push({ view: 'driver_stats', columns: { driver_id: [204], event_ts: [ts], conv_rate: [0.1], trips: [1] } }));
      expect(error, String(ts)).toMatchObject({ code: 'FEATURE_PUSH_VALUE_INVALID', value: { column: 'event_ts', row: 0 } });
    }
    expect((await trips([204]))?.statuses).toEqual(['NOT_FOUND']);
  });

  it('refuses missing or null entity keys and event times, unknown columns and ragged columns', async () => {
    const full = { driver_id: [205], event_ts: ['2024-05-02T00:00:00Z'], conv_rate: [0.1], trips: [1] };
    expect(await refused(store.push({ view: 'driver_stats', columns: { ...full, driver_id: [null] } }))).toMatchObject({
      code: 'FEATURE_PUSH_VALUE_INVALID',
      value: { column: 'driver_id', row: 0 },
    });
    const { driver_id: _dropped, ...withoutKey } = full;
    expect(await refused(store.push({ view: 'driver_stats', columns: withoutKey }))).toMatchObject({
      code: 'FEATURE_PUSH_VALUE_INVALID',
      value: { column: 'driver_id' },
    });
    expect(await refused(store.push({ view: 'driver_stats', columns: { ...full, event_ts: [null] } }))).toMatchObject({
      code: 'FEATURE_PUSH_VALUE_INVALID',
      value: { column: 'event_ts' },
    });
    expect(await refused(store.push({ view: 'driver_stats', columns: { ...full, extra: [1] } }))).toMatchObject({ code: 'FEATURE_REQUEST_INVALID' });
    expect(await refused(store.push({ view: 'driver_stats', columns: { ...full, trips: [1, 2] } }))).toMatchObject({ code: 'FEATURE_REQUEST_INVALID' });
    expect((await trips([205]))?.statuses).toEqual(['NOT_FOUND']);
  });

  it('refuses an aggregation view, keeping its windows', async () => {
    await store.aggregate({ views: ['driver_activity'] });
    const read = () => store.onlineFeatures({ features: ['driver_activity:*'], entities: { driver_id: [1] }, at: '2024-05-01T10:30:00Z' });
    const before = await read();
    expect(before.results[1]?.statuses).toEqual(['PRESENT']);
    const error = await refused(store.push({ view: 'driver_activity', columns: { driver_id: [1], event_ts: ['2024-05-01T10:20:00Z'] } }));
    expect(error).toMatchObject({ code: 'FEATURE_PUSH_UNSUPPORTED' });
    expect(await read()).toEqual(before);
  });

  it('refuses an unknown view with FEATURE_NOT_FOUND', async () => {
    expect(await refused(store.push({ view: 'nope', columns: {} }))).toMatchObject({ code: 'FEATURE_NOT_FOUND' });
  });

  it("writes offline through the table, with the table's types", async () => {
    const version = await tableVersion();
    const result = await store.push({
      view: 'driver_stats',
      to: 'offline',
      columns: { driver_id: [301], event_ts: ['2024-05-03T00:00:00+01:00'], conv_rate: [null], trips: [9] },
    });
    expect(result).toMatchObject({ pushed: 1, to: 'offline', tableVersion: version + 1 });
    const rows = await (await (await DeltaTable.open(project.tablePath('driver_stats'), { engine })).scan({ where: 'driver_id = 301' })).rows();
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]?.['trips'])).toBe(9);
    expect(new Date(rows[0]?.['event_ts'] as string | Date).toISOString()).toBe('2024-05-02T23:00:00.000Z');
    // Offline only: nothing online.
    expect((await trips([301]))?.statuses).toEqual(['NOT_FOUND']);
  });

  it('refuses an entity key over the accepted size in pushes and in reads, and serves long keys under it', async () => {
    const city = 'c'.repeat(MAX_ONLINE_KEY_BYTES);
    expect(await refused(store.push({ view: 'city_stats', columns: { city: [city], event_ts: ['2024-05-02T00:00:00Z'], rides: [1] } }))).toMatchObject({
      code: 'FEATURE_ENTITY_KEY_TOO_LONG',
    });
    expect(await refused(store.onlineFeatures({ features: ['city_stats:rides'], entities: { city: [city] } }))).toMatchObject({
      code: 'FEATURE_ENTITY_KEY_TOO_LONG',
    });
    // A key that fits is served, even past LMDB's own 511-byte key limit.
    const fits = 'c'.repeat(2000);
    await store.push({ view: 'city_stats', columns: { city: [fits], event_ts: ['2024-05-02T00:00:00Z'], rides: [2] } });
    expect((await store.onlineFeatures({ features: ['city_stats:rides'], entities: { city: [fits] } })).results[1]?.values).toEqual([2]);
  });
});

describe('parseEventTime', () => {
  it('reads ISO 8601 date-times, without an offset as UTC', () => {
    expect(parseEventTime('2024-05-01T10:00:00Z')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseEventTime('2024-05-01 10:00:00')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseEventTime('2024-05-01T10:00:00.250-0130')).toBe(Date.UTC(2024, 4, 1, 11, 30, 0, 250));
    expect(parseEventTime('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
  });

  it('refuses what only Date.parse would read', () => {
    for (const text of ['1', '2001', 'May 1, 2024', '2024-05-01T25:00:00Z', '2023-02-29']) expect(parseEventTime(text), text).toBeUndefined();
  });
});
