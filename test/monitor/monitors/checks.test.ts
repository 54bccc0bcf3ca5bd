import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { openQuarantine } from '../../../src/ingest/index.js';
import { openMonitorResults, runMonitors, type MonitorResult } from '../../../src/monitor/index.js';
import { Project } from '../../../src/project/index.js';
import { validateAndRecord, type ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';
import { writeMonitor } from './fixture.js';

/**
 * Each monitor kind against a real table in a temp project, one breaching and one passing
 * definition per kind, judged by runMonitors with a frozen clock.
 */
let engine: Engine;
let project: Project;
let events: DeltaTable;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const batch = (from: number, n: number, shift = 0) =>
  `SELECT i::BIGINT AS id, ((i * 37) % 100)::DOUBLE + ${shift} AS amount, ['web', 'app', 'store'][i % 3 + 1] AS channel,
     TIMESTAMP '2026-01-10 12:00:00' + to_minutes(i::BIGINT) AS event_time FROM range(${from}, ${from + n}) t(i)`;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-monitor-checks-'), 'project'));
  ({ table: events } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: batch(0, 100) } }));
  for (let i = 1; i < 5; i++) await events.append({ sql: batch(i * 100, 100) });
  return () => engine.close();
});

async function runOne(name: string, definition: Record<string, unknown>, now = Date.now()): Promise<MonitorResult> {
  await writeMonitor(project, name, { every: '1h', ...definition });
  const { results } = await runMonitors(project, { names: [name], now, engine });
  expect(results).toHaveLength(1);
  return results[0] as MonitorResult;
}

describe('freshness', () => {
  it('passes while the last commit is younger than maxAge and breaches once it is older, by the injected clock', async () => {
    const last = (await events.snapshot()).timestamp;
    const fresh = await runOne('fresh', { kind: 'freshness', table: 'events', maxAge: '2h' }, last + HOUR);
    expect(fresh).toMatchObject({ status: 'ok', value: 3600, threshold: 7200, tableVersion: 4 });
    const stale = await runOne('stale', { kind: 'freshness', table: 'events', maxAge: '2h' }, last + 3 * HOUR);
    expect(stale).toMatchObject({ status: 'breach', value: 3 * 3600 });
  });

  it('measures from the newest event time with timeColumn (and where)', async () => {
    const newest = Date.parse('2026-01-10T12:00:00Z') + 499 * 60_000;
    expect(await runOne('event-time', { kind: 'freshness', table: 'events', maxAge: '1h', timeColumn: 'event_time' }, newest + 30 * 60_000)).toMatchObject({
      status: 'ok',
      value: 1800,
    });
    const filtered = await runOne(
      'event-time-where',
      { kind: 'freshness', table: 'events', maxAge: '1h', timeColumn: 'event_time', where: 'id < 100' },
      newest,
    );
    expect(filtered).toMatchObject({ status: 'breach', value: 400 * 60 });
  });
});

describe('volume', () => {
  it('per commit: a commit far below the trailing band breaches, one inside it passes', async () => {
    const { table } = await DeltaTable.create(project.tablePath('batches'), { engine, data: { sql: batch(0, 100) } });
    for (let i = 1; i < 4; i++) await table.append({ sql: batch(i * 100, 100 + i) });
    const definition = { kind: 'volume', table: 'batches', per: 'commit', windows: 10, stddevs: 3 };
    expect(await runOne('batches-ok', definition)).toMatchObject({ status: 'ok', value: 103 });
    await table.append({ sql: batch(1000, 5) });
    const breach = await runOne('batches-low', definition);
    expect(breach).toMatchObject({ status: 'breach', value: 5, tableVersion: 4 });
    expect(breach.details).toMatchObject({ per: 'commit', trailing: [103, 102, 101, 100] });
  });

  it('per day: the last complete day against the days before it, and fixed bounds instead of the band', async () => {
    const tomorrow = Date.now() + DAY;
    // Every commit of this test happened "yesterday" seen from tomorrow, the table's first day: the
    // days before it existed are not days of no rows, so there is no band yet and nothing breaches.
    const young = await runOne('daily', { kind: 'volume', table: 'events', per: 'day', windows: 7 }, tomorrow);
    expect(young).toMatchObject({ status: 'ok', value: 500 });
    expect(young.details['trailing']).toEqual([]);
    expect(await runOne('daily-bounds', { kind: 'volume', table: 'events', per: 'day', min: 100, max: 1000 }, tomorrow)).toMatchObject({
      status: 'ok',
      value: 500,
      threshold: { min: 100, max: 1000 },
    });
  });
});

describe('schema', () => {
  it('records a baseline, notes an added column, and breaches once on a dropped or retyped column', async () => {
    const { table } = await DeltaTable.create(project.tablePath('shapes'), { engine, data: { sql: 'SELECT 1::BIGINT AS id, 2.5::DOUBLE AS x' } });
    const definition = { kind: 'schema', table: 'shapes' };
    expect(await runOne('shapes', definition)).toMatchObject({ status: 'ok', details: { baseline: true } });
    await table.append({ sql: "SELECT 2::BIGINT AS id, 1.0::DOUBLE AS x, 'a' AS tag" }, { mergeSchema: true });
    const added = await runOne('shapes', definition);
    expect(added).toMatchObject({ status: 'ok', details: { added: [{ name: 'tag', type: 'string' }], notice: '1 column(s) added' } });
    await table.overwrite({ sql: "SELECT 3::BIGINT AS id, 'seven' AS x" }, { overwriteSchema: true });
    const changed = await runOne('shapes', definition);
    expect(changed).toMatchObject({
      status: 'breach',
      value: 2,
      details: { dropped: [{ name: 'tag', type: 'string' }], retyped: [{ name: 'x', from: 'double', to: 'string' }] },
    });
    expect(await runOne('shapes', definition)).toMatchObject({ status: 'ok', value: 0 });
  });
});

describe('quarantine_rate', () => {
  it('divides rows quarantined in the window by rows offered, and breaches above maxShare', async () => {
    const { table } = await DeltaTable.create(project.tablePath('orders'), { engine, data: { sql: batch(0, 90) } });
    const definition = { kind: 'quarantine_rate', table: 'orders', window: '1d', maxShare: 0.05 };
    expect(await runOne('orders-q', definition)).toMatchObject({ status: 'ok', value: 0, details: { quarantined: 0, committed: 90 } });
    const quarantine = await openQuarantine(table.location, engine, {}, project.stores);
    await quarantine.append({
      sql: `SELECT 'r' || i AS record_id, now()::TIMESTAMPTZ AS quarantined_at, 'orders' AS target_table, 'schema' AS reason, NULL::VARCHAR AS message,
        'file' AS source_kind, 'x.json' AS source, '{}' AS payload FROM range(10) t(i)`,
    });
    const breach = await runOne('orders-q', definition);
    expect(breach).toMatchObject({ status: 'breach', value: 0.1, threshold: 0.05, details: { quarantined: 10, committed: 90, offered: 100 } });
    // Two days on, neither the rows nor the quarantined records are in the window.
    expect(await runOne('orders-q', definition, Date.now() + 2 * DAY)).toMatchObject({ status: 'ok', value: 0 });
  });
});

describe('quality', () => {
  const suite = (max: number): ExpectationSuite => ({
    name: 'amounts',
    expectations: [
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'amount' } },
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: max } },
    ],
  });

  it("judges the table's latest validation in _quality_results: all passed, then half failed", async () => {
    const definition = { kind: 'quality', table: 'events', suite: 'amounts' };
    expect(await runOne('events-quality', definition)).toMatchObject({ status: 'error', error: { code: 'MONITOR_NO_DATA' } });
    await validateAndRecord(project, events, suite(1000), { tableName: 'events' });
    expect(await runOne('events-quality', definition)).toMatchObject({ status: 'ok', value: 1, details: { expectations: 2, failed: [] } });
    await validateAndRecord(project, events, suite(50), { tableName: 'events' });
    const breach = await runOne('events-quality', definition);
    expect(breach).toMatchObject({ status: 'breach', value: 0.5, threshold: 1, details: { failed: ['expect_column_values_to_be_between'] } });
    expect(await runOne('events-quality-half', { ...definition, minSuccessShare: 0.5 })).toMatchObject({ status: 'ok', value: 0.5 });
  });
});

describe('drift', () => {
  it('breaches when the current data drifted from the reference, keeping each column, and passes on unchanged data', async () => {
    const { table } = await DeltaTable.create(project.tablePath('scores'), { engine, data: { sql: `SELECT 1 AS day, * FROM (${batch(0, 300)})` } });
    await table.append({ sql: `SELECT 2 AS day, * FROM (${batch(0, 300, 40)})` });
    const drifted = await runOne('scores-drift', {
      kind: 'drift',
      table: 'scores',
      reference: { version: 0 },
      current: { where: 'day = 2' },
      columns: ['amount', 'channel'],
    });
    expect(drifted).toMatchObject({ status: 'breach', value: 0.5, threshold: 0.5, tableVersion: 1 });
    expect(drifted.details['columns']).toEqual([
      expect.objectContaining({ column: 'amount', method: 'K-S p_value', drifted: true }),
      expect.objectContaining({ column: 'channel', method: 'chi-square p_value', drifted: false }),
    ]);
    const same = await runOne('scores-same', {
      kind: 'drift',
      table: 'scores',
      reference: { where: 'day = 1' },
      current: { where: 'day = 1' },
      columns: ['amount', 'channel'],
    });
    expect(same).toMatchObject({ status: 'ok', value: 0 });
  });

  it('takes the current data as the last window by a time column', async () => {
    const now = Date.parse('2026-01-10T12:00:00Z') + 250 * 60_000;
    const result = await runOne(
      'scores-window',
      { kind: 'drift', table: 'scores', reference: { where: 'day = 1' }, current: { last: '1h', timeColumn: 'event_time' }, columns: ['amount'] },
      now,
    );
    // The last hour by event_time: minutes 190.. of both days, 110 rows each; day 2's amounts are shifted.
    expect(result).toMatchObject({ status: 'breach', details: { current: { rows: 220 } } });
    expect(result.details['current']).toMatchObject({ source: expect.stringContaining('epoch_ms("event_time"::TIMESTAMP) >= ') });
  });
});

describe('results', () => {
  it('appends one row per run to _monitor_results, an error for a missing table without stopping the others', async () => {
    await writeMonitor(project, 'ghost', { kind: 'freshness', table: 'nowhere', every: '1h', maxAge: '1h' });
    await writeMonitor(project, 'alive', { kind: 'freshness', table: 'events', every: '1h', maxAge: '1d' });
    const { results } = await runMonitors(project, { names: ['ghost', 'alive'], engine });
    expect(results.map((r) => [r.monitor, r.status, r.error?.code])).toEqual([
      ['ghost', 'error', 'TABLE_NOT_FOUND'],
      ['alive', 'ok', undefined],
    ]);
    const rows = await (await (await openMonitorResults(project, engine)).scan({ where: `monitor IN ('ghost', 'alive')` })).rows();
    expect(rows.map((r) => [r['monitor'], r['kind'], r['table_name'], r['status'], r['error_code']]).sort()).toEqual([
      ['alive', 'freshness', 'events', 'ok', null],
      ['ghost', 'freshness', 'nowhere', 'error', 'TABLE_NOT_FOUND'],
    ]);
    const alive = rows.find((r) => r['monitor'] === 'alive') as Record<string, unknown>;
    expect(Number(alive['table_version'])).toBe(4);
    expect(JSON.parse(alive['threshold'] as string)).toBe(86400);
    expect(JSON.parse(alive['details'] as string)).toMatchObject({ measured: 'last commit' });
  });
});
