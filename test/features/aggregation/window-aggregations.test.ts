import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import {
  aggregationView,
  FeatureStore,
  LmdbOnlineStore,
  validateRepository,
  type Aggregation,
  type FeatureRepository,
  type OnlineRow,
  type OnlineStore,
} from '../../../src/features/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

/**
 * Window aggregations are defined once and computed two ways: offline by DuckDB over the
 * table for each entity row's time, online by folding each commit into per-entity tiles.
 * These tests pin both to a plain reference computation, and to each other, including
 * after late data, rebuilds and a crash at every step of the online fold.
 */

const USERS = 8;
const EVENTS = 3_000;
const START_MS = Date.parse('2024-05-01T00:00:00Z');
const MINUTE = 60_000;

interface Event {
  user_id: number;
  ts: number;
  created: number;
  amount: number | null;
  qty: number;
  page: string;
}

/** Irregular, slightly out-of-order events over about a day, with NULL amounts and equal event times. */
function makeEvents(): Event[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const events: Event[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const ts = START_MS + Math.floor(i * 29_000 + next() * 40_000 - 20_000);
    const second = Math.floor(ts / 1000) * 1000;
    events.push({
      user_id: Math.floor(next() * USERS),
      ts: i % 97 === 0 && i > 0 ? (events[i - 1] as Event).ts : second,
      created: second + Math.floor(next() * 5) * 1000,
      amount: next() < 0.12 ? null : Math.round(next() * 100_000) / 100,
      qty: Math.floor(next() * 50) - 10,
      page: `p${Math.floor(next() * 6)}`,
    });
  }
  return events;
}

const aggregations: Aggregation[] = [
  { function: 'count', window: '1h' },
  { function: 'count', column: 'amount', window: '30m', name: 'amounts_30m' },
  { function: 'sum', column: 'amount', window: '1h' },
  { function: 'avg', column: 'amount', window: '6h' },
  { function: 'min', column: 'qty', window: '6h', type: 'long' },
  { function: 'max', column: 'amount', window: '30m' },
  { function: 'last', column: 'page', window: '1h', type: 'string' },
  { function: 'last', column: 'amount', window: '1d', name: 'last_amount' },
  { function: 'count_distinct', column: 'page', window: '2h' },
  { function: 'sum', column: 'qty', window: '1d', windowType: 'tumbling', type: 'long', name: 'qty_today' },
  { function: 'count', window: '1h', windowType: 'tumbling', name: 'count_this_hour' },
];
const INTERVAL_MS = 10 * MINUTE;

function repositoryFor(table: string): FeatureRepository {
  return {
    entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'long' }] }],
    featureViews: [
      aggregationView({
        name: 'activity',
        entities: ['user'],
        source: { kind: 'table', table, timestampField: 'ts', createdTimestampField: 'created' },
        interval: '10m',
        aggregations,
      }),
    ],
  };
}

const features = () => ['activity:*'];
const names = aggregations.map((a) => a.name ?? [a.function, a.column, a.window].filter((x) => x !== undefined).join('_'));

/** The definition, computed plainly: each window's events by event time, at or before `at`. */
function reference(events: readonly Event[], user: number, at: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  aggregations.forEach((a, i) => {
    const window = { '30m': 30, '1h': 60, '2h': 120, '6h': 360, '1d': 1440 }[a.window as string]! * MINUTE;
    const from = a.windowType === 'tumbling' ? Math.floor(at / window) * window : Math.floor(at / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS - window;
    const rows = events.filter((e) => e.user_id === user && e.ts >= from && e.ts <= at);
    const values = a.column === undefined ? rows.map(() => 1) : rows.map((e) => e[a.column as keyof Event]).filter((v) => v !== null);
    const numbers = values as number[];
    let value: unknown;
    switch (a.function) {
      case 'count':
        value = values.length;
        break;
      case 'sum':
        value = numbers.length === 0 ? null : numbers.reduce((x, y) => x + y, 0);
        break;
      case 'avg':
        value = numbers.length === 0 ? null : numbers.reduce((x, y) => x + y, 0) / numbers.length;
        break;
      case 'min':
        value = numbers.length === 0 ? null : Math.min(...numbers);
        break;
      case 'max':
        value = numbers.length === 0 ? null : Math.max(...numbers);
        break;
      case 'count_distinct':
        value = new Set(values).size;
        break;
      case 'last': {
        const column = a.column as keyof Event;
        const candidates = rows.filter((e) => e[column] !== null);
        candidates.sort((x, y) => x.ts - y.ts || x.created - y.created || (x[column]! < y[column]! ? -1 : x[column]! > y[column]! ? 1 : 0));
        value = candidates.length === 0 ? null : candidates[candidates.length - 1]![column];
        break;
      }
    }
    result[names[i] as string] = value;
  });
  return result;
}

/** Values as numbers where the training set gives 64-bit integers as strings. */
function normalized(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(names.map((n) => [n, typeof row[n] === 'string' && /^-?\d+$/.test(row[n] as string) ? Number(row[n]) : (row[n] ?? null)]));
}

/** Equal, with doubles equal to rounding (sums in a different order differ in the last bits). */
function expectSameValues(actual: Record<string, unknown>, expected: Record<string, unknown>, where: string): void {
  for (const name of names) {
    const a = actual[name];
    const e = expected[name];
    if (typeof a === 'number' && typeof e === 'number' && !(Number.isInteger(a) && Number.isInteger(e))) {
      expect(Math.abs(a - e), `${where}: ${name} ${a} vs ${e}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e)));
    } else {
      expect(a, `${where}: ${name}`).toEqual(e);
    }
  }
}

function eventsSql(events: readonly Event[]): { sql: string } {
  const values = events.map((e) => `(${e.user_id}, ${e.ts}, ${e.created}, ${e.amount ?? 'NULL'}, ${e.qty}, '${e.page}')`).join(',\n');
  return {
    sql: `SELECT user_id::BIGINT AS user_id, make_timestamptz(ts * 1000) AS ts, make_timestamptz(created * 1000) AS created, amount::DOUBLE AS amount, qty::BIGINT AS qty, page::VARCHAR AS page
      FROM (VALUES ${values}) AS t(user_id, ts, created, amount, qty, page)`,
  };
}

let engine: Engine;
const events = makeEvents();
const lastEventMs = Math.max(...events.map((e) => e.ts));

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});
afterAll(() => engine.close());

async function onlineValues(store: FeatureStore, at: number): Promise<Record<string, unknown>[]> {
  const users = Array.from({ length: USERS + 1 }, (_, u) => u);
  const response = await store.onlineFeatures({ features: features(), entities: { user_id: users }, at });
  return users.map((_, row) =>
    Object.fromEntries(response.metadata.feature_names.slice(1).map((name, i) => [name, response.results[i + 1]?.values[row] ?? null])),
  );
}

async function offlineValues(store: FeatureStore, at: number): Promise<Record<string, unknown>[]> {
  const set = await store.historicalFeatures({
    entityRows: { sql: `SELECT range::BIGINT AS user_id, make_timestamptz(${at}::BIGINT * 1000) AS event_timestamp FROM range(0, ${USERS + 1})` },
    features: features(),
  });
  return (await set.rows()).map(normalized);
}

describe('window aggregations in training sets', () => {
  it('agree with the definition computed plainly, for every window, function and entity row', async () => {
    const project = await Project.init(await tempDir('aquifer-agg-'));
    await DeltaTable.create(project.tablePath('events'), { engine, data: eventsSql(events) });
    const store = new FeatureStore(project, engine, repositoryFor('events'));
    // Times on tile and window boundaries, exactly at events, between them, and after the last.
    const times = [
      START_MS + 3 * 60 * MINUTE,
      START_MS + 3 * 60 * MINUTE - 1000,
      (events[500] as Event).ts,
      (events[1500] as Event).ts + 1,
      START_MS + 13 * 60 * MINUTE + 7 * MINUTE + 13_000,
      lastEventMs,
      lastEventMs + 45 * MINUTE,
    ];
    const rows = times.flatMap((t) => Array.from({ length: USERS + 1 }, (_, u) => `(${u}, ${t})`));
    const set = await store.historicalFeatures({
      entityRows: { sql: `SELECT u::BIGINT AS user_id, make_timestamptz(t * 1000) AS event_timestamp FROM (VALUES ${rows.join(', ')}) AS v(u, t)` },
      features: features(),
    });
    const offline = await set.rows();
    expect(offline).toHaveLength(rows.length);
    offline.forEach((row, i) => {
      const t = times[Math.floor(i / (USERS + 1))] as number;
      const user = i % (USERS + 1);
      expectSameValues(normalized(row), reference(events, user, t), `user ${user} at ${new Date(t).toISOString()}`);
    });
  });
});

describe('aggregation view definitions', () => {
  const define =
    (aggregation: Aggregation, interval = '10m') =>
    () =>
      aggregationView({
        name: 'v',
        entities: ['user'],
        source: { kind: 'table', table: 'events', timestampField: 'ts' },
        interval,
        aggregations: [aggregation],
      });

  it('name and type their features from the aggregations', () => {
    expect(repositoryFor('events').featureViews[0]?.features.slice(0, 4)).toEqual([
      { name: 'count_1h', type: 'long' },
      { name: 'amounts_30m', type: 'long' },
      { name: 'sum_amount_1h', type: 'double' },
      { name: 'avg_amount_6h', type: 'double' },
    ]);
  });

  it('refuse windows that are not whole intervals, missing columns, unknown functions, clashing names and types', () => {
    const failsWith = (code: string) => expect.objectContaining({ code });
    expect(define({ function: 'count', window: '25m' })).toThrow(failsWith('FEATURE_DEFINITION_DURATION_INVALID'));
    expect(define({ function: 'count', window: '1h' }, '90s500')).toThrow(failsWith('FEATURE_DEFINITION_DURATION_INVALID'));
    expect(define({ function: 'count', window: '1h' }, '0s')).toThrow(failsWith('FEATURE_DEFINITION_DURATION_INVALID'));
    expect(define({ function: 'sum', window: '1h' })).toThrow(failsWith('FEATURE_DEFINITION_AGGREGATION_INVALID'));
    expect(define({ function: 'median' as 'sum', column: 'amount', window: '1h' })).toThrow(failsWith('FEATURE_DEFINITION_AGGREGATION_INVALID'));
    expect(define({ function: 'avg', column: 'amount', window: '1h', type: 'long' })).toThrow(failsWith('FEATURE_DEFINITION_TYPE_MISMATCH'));
    expect(() =>
      aggregationView({
        name: 'v',
        entities: ['user'],
        source: { kind: 'table', table: 'events', timestampField: 'ts' },
        interval: '10m',
        aggregations: [
          { function: 'count', window: '1h' },
          { function: 'count', window: '1h' },
        ],
      }),
    ).toThrow(failsWith('FEATURE_DEFINITION_DUPLICATE'));
  });

  it('are checked against the table: the column must exist and suit the function and the declared type', async () => {
    const project = await Project.init(await tempDir('aquifer-agg-validate-'));
    await DeltaTable.create(project.tablePath('events'), { engine, data: eventsSql(events.slice(0, 10)) });
    const withAggregation = (aggregation: Aggregation) => ({
      ...repositoryFor('events'),
      featureViews: [
        aggregationView({
          name: 'v',
          entities: ['user'],
          source: { kind: 'table', table: 'events', timestampField: 'ts' },
          interval: '10m',
          aggregations: [aggregation],
        }),
      ],
    });
    await expect(validateRepository(repositoryFor('events'), project, engine)).resolves.toBeUndefined();
    await expect(validateRepository(withAggregation({ function: 'sum', column: 'nope', window: '1h' }), project, engine)).rejects.toMatchObject({
      code: 'FEATURE_DEFINITION_UNKNOWN_COLUMN',
    });
    await expect(validateRepository(withAggregation({ function: 'sum', column: 'page', window: '1h' }), project, engine)).rejects.toMatchObject({
      code: 'FEATURE_DEFINITION_TYPE_MISMATCH',
      value: { feature: 'sum_page_1h' },
    });
    await expect(validateRepository(withAggregation({ function: 'max', column: 'amount', window: '1h', type: 'long' }), project, engine)).rejects.toMatchObject(
      { message: expect.stringContaining('declared long') },
    );
    await expect(validateRepository(withAggregation({ function: 'max', column: 'page', window: '1h' }), project, engine)).rejects.toMatchObject({
      message: expect.stringContaining('declared double'),
    });
  });
});

describe('window aggregations online', () => {
  it('serve, after every streamed batch, what the training set has for the same entity and time (no skew), late data included', async () => {
    const project = await Project.init(await tempDir('aquifer-agg-stream-'));
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    try {
      const store = new FeatureStore(project, engine, repositoryFor('events'), online);
      const sorted = [...events].sort((a, b) => a.ts - b.ts);
      const batches = 6;
      let table: DeltaTable | undefined;
      let seen: Event[] = [];
      let late: Event[] = [];
      for (let b = 0; b < batches; b++) {
        const batch = sorted.slice(Math.floor((b * sorted.length) / batches), Math.floor(((b + 1) * sorted.length) / batches));
        // Every fifth event of a batch arrives late, with the next batch (in a commit of its own).
        const held = b === batches - 1 ? [] : batch.filter((_, i) => i % 5 === 0);
        const commits = [batch.filter((e) => !held.includes(e)), late].filter((part) => part.length > 0);
        for (const part of commits) {
          if (table === undefined) table = (await DeltaTable.create(project.tablePath('events'), { engine, data: eventsSql(part) })).table;
          else await table.append(eventsSql(part));
          seen = [...seen, ...part];
        }
        late = held;
        const [result] = await store.aggregate();
        expect(result?.rebuilt).toBe(b === 0);
        const latest = Math.max(...seen.map((e) => e.ts));
        for (const at of [latest, latest + 7 * MINUTE, latest + 61 * MINUTE]) {
          const [on, off] = [await onlineValues(store, at), await offlineValues(store, at)];
          for (let u = 0; u <= USERS; u++) {
            expectSameValues(on[u] as Record<string, unknown>, off[u] as Record<string, unknown>, `batch ${b}, user ${u}, at ${new Date(at).toISOString()}`);
            expectSameValues(on[u] as Record<string, unknown>, reference(seen, u, at), `batch ${b}, user ${u} vs reference`);
          }
        }
      }
      // A rebuild from the whole table gives the same tiles as the commit-by-commit fold.
      const before = await onlineValues(store, lastEventMs);
      const [rebuilt] = await store.aggregate({ rebuild: true });
      expect(rebuilt?.rebuilt).toBe(true);
      expect(await onlineValues(store, lastEventMs)).toEqual(before);
    } finally {
      await online.close();
    }
  });

  it('reports a never-seen entity as NOT_FOUND with counts of 0, as the training set does', async () => {
    const project = await Project.init(await tempDir('aquifer-agg-missing-'));
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    try {
      await DeltaTable.create(project.tablePath('events'), { engine, data: eventsSql(events.filter((e) => e.user_id !== 3)) });
      const store = new FeatureStore(project, engine, repositoryFor('events'), online);
      await store.aggregate();
      const response = await store.onlineFeatures({
        features: ['activity:count_1h', 'activity:sum_amount_1h'],
        entities: { user_id: [3, 4] },
        at: lastEventMs,
      });
      expect(response.results[1]?.statuses).toEqual(['NOT_FOUND', 'PRESENT']);
      expect(response.results[1]?.values[0]).toBe(0);
      expect(response.results[2]?.values[0]).toBeNull();
      expect(response.results[1]?.event_timestamps[0]).toBe('1970-01-01T00:00:00Z');
    } finally {
      await online.close();
    }
  });

  it('rebuilds when a commit removes rows, and entities no longer in the table read as empty', async () => {
    const project = await Project.init(await tempDir('aquifer-agg-overwrite-'));
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    try {
      const { table } = await DeltaTable.create(project.tablePath('events'), { engine, data: eventsSql(events) });
      const store = new FeatureStore(project, engine, repositoryFor('events'), online);
      await store.aggregate();
      const kept = events.filter((e) => e.user_id < 4);
      await table.overwrite(eventsSql(kept));
      const [result] = await store.aggregate();
      expect(result?.rebuilt).toBe(true);
      const on = await onlineValues(store, lastEventMs);
      const off = await offlineValues(store, lastEventMs);
      for (let u = 0; u <= USERS; u++) expectSameValues(on[u] as Record<string, unknown>, off[u] as Record<string, unknown>, `user ${u}`);
      expect(on[5]?.['count_1h']).toBe(0);
      expectSameValues(on[1] as Record<string, unknown>, reference(kept, 1, lastEventMs), 'user 1 after the overwrite');
    } finally {
      await online.close();
    }
  });

  it('converges on the same tiles after a crash at any step of a fold, counting nothing twice', async () => {
    const project = await Project.init(await tempDir('aquifer-agg-crash-'));
    const sorted = [...events].sort((a, b) => a.ts - b.ts);
    const { table } = await DeltaTable.create(project.tablePath('events'), { engine, data: eventsSql(sorted.slice(0, 1000)) });
    const firstVersion = (await table.snapshot()).version;
    for (let i = 1; i <= 4; i++) await table.append(eventsSql(sorted.slice(1000 + (i - 1) * 500, 1000 + i * 500)));
    const at = lastEventMs;
    const expected = Array.from({ length: USERS + 1 }, (_, u) => reference(sorted.slice(0, 3000), u, at));
    let crashes = 0;
    for (let failAt = 1; ; failAt++) {
      const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', `online-${failAt}`));
      try {
        const store = new FeatureStore(project, engine, repositoryFor('events'), online);
        await store.aggregate({ untilVersion: firstVersion });
        const failing = new FailingStore(online, failAt);
        const crashing = new FeatureStore(project, engine, repositoryFor('events'), failing);
        let crashed = false;
        try {
          await crashing.aggregate({ maxCommits: 2, entityBatch: 3 });
        } catch (error) {
          expect((error as Error).message).toBe('injected crash');
          crashed = true;
        }
        await store.aggregate();
        const on = await onlineValues(store, at);
        for (let u = 0; u <= USERS; u++)
          expectSameValues(on[u] as Record<string, unknown>, expected[u] as Record<string, unknown>, `crash at write ${failAt}, user ${u}`);
        if (!crashed) break;
        crashes++;
      } finally {
        await online.close();
      }
    }
    // Two batches of commits, three entity batches each, and the bookkeeping around them.
    expect(crashes).toBeGreaterThanOrEqual(8);
  });
});

/** The real store, failing (as a killed process would stop) at its n-th write. */
class FailingStore implements OnlineStore {
  private writes = 0;
  constructor(
    private readonly inner: OnlineStore,
    private readonly failAt: number,
  ) {}
  private tick(): void {
    if (++this.writes === this.failAt) throw new Error('injected crash');
  }
  async write(view: string, rows: readonly OnlineRow[]): Promise<number> {
    this.tick();
    return this.inner.write(view, rows);
  }
  async replace(view: string, rows: readonly OnlineRow[]): Promise<void> {
    this.tick();
    await this.inner.replace(view, rows);
  }
  read(view: string, keys: readonly string[]): Promise<(OnlineRow | undefined)[]> {
    return this.inner.read(view, keys);
  }
  delete(view: string, keys: readonly string[]): Promise<number> {
    return this.inner.delete(view, keys);
  }
  getMeta(name: string): Promise<string | undefined> {
    return this.inner.getMeta(name);
  }
  async setMeta(name: string, value: string): Promise<void> {
    this.tick();
    await this.inner.setMeta(name, value);
  }
  async close(): Promise<void> {}
}
