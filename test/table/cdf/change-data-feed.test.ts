import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;

beforeAll(() => {
  engine = fixture.engine();
});

type Change = [number, string, number, string | number];

async function changes(t: DeltaTable, from: number, to?: number): Promise<Change[]> {
  const read = await t.changes({ from, ...(to === undefined ? {} : { to }) });
  const rows = await engine.query(`SELECT id, v, _change_type, _commit_version FROM (${read.sql}) ORDER BY _commit_version, id, _change_type`);
  return rows.map((r) => [Number(r['_commit_version']), String(r['_change_type']), Number(r['id']), Number(r['v'])]);
}

describe.each([
  ['copy on write', {}],
  ['deletion vectors', { 'delta.enableDeletionVectors': 'true' }],
])('the change data feed with %s', (_name, extra) => {
  it('records inserts, deletes, update pre- and post-images and merges, version by version', async () => {
    const { table: t } = await DeltaTable.create(location(), {
      engine,
      data: { sql: "SELECT i AS id, 'p' || (i % 2) AS part, i * 10 AS v FROM range(0, 6) t(i)" },
      partitionColumns: ['part'],
      properties: { 'delta.enableChangeDataFeed': 'true', ...extra },
    });
    await t.append({ sql: "SELECT 6 AS id, 'p0' AS part, 60 AS v" });
    await t.delete('id = 1');
    await t.update({ set: { v: 'v + 1' }, where: 'id IN (2, 3)' });
    await t.merge({
      source: {
        rows: [
          { id: 4, v: 400 },
          { id: 5, v: -1 },
          { id: 9, v: 900 },
        ],
      },
      on: 'target.id = source.id',
      whenMatched: [{ condition: 'source.v < 0', delete: true }, { update: { v: 'source.v' } }],
      whenNotMatched: [{ insert: { id: 'source.id', part: "'p1'", v: 'source.v' } }],
    });
    expect(await changes(t, 0)).toEqual([
      ...[0, 1, 2, 3, 4, 5].map((i): Change => [0, 'insert', i, i * 10]),
      [1, 'insert', 6, 60],
      [2, 'delete', 1, 10],
      [3, 'update_postimage', 2, 21],
      [3, 'update_preimage', 2, 20],
      [3, 'update_postimage', 3, 31],
      [3, 'update_preimage', 3, 30],
      [4, 'update_postimage', 4, 400],
      [4, 'update_preimage', 4, 40],
      [4, 'delete', 5, 50],
      [4, 'insert', 9, 900],
    ]);
    expect(await changes(t, 3, 3)).toHaveLength(4);
    // Only the DML commits wrote change data files; appends are read from their adds.
    const cdcVersions: number[] = [];
    for (let v = 0; v <= 4; v++) if ((await t.commitActions(v)).some((a) => a.kind === 'cdc')) cdcVersions.push(v);
    expect(cdcVersions).toEqual([2, 3, 4]);
    const read = await t.changes({ from: 4 });
    const types = await engine.query(`SELECT typeof(_commit_version) AS v, typeof(_commit_timestamp) AS ts FROM (${read.sql}) LIMIT 1`);
    expect(types[0]).toEqual({ v: 'BIGINT', ts: 'TIMESTAMP WITH TIME ZONE' });
  });

  it('reads a partition overwrite as deletes and inserts from its removes and adds', async () => {
    const { table: t } = await DeltaTable.create(location(), {
      engine,
      data: { sql: "SELECT i AS id, 'p' || (i % 2) AS part, i AS v FROM range(0, 4) t(i)" },
      partitionColumns: ['part'],
      properties: { 'delta.enableChangeDataFeed': 'true', ...extra },
    });
    await t.overwrite({ sql: "SELECT 10 AS id, 'p1' AS part, 10 AS v" }, { where: "part = 'p1'" });
    expect(await changes(t, 1)).toEqual([
      [1, 'delete', 1, 1],
      [1, 'delete', 3, 3],
      [1, 'insert', 10, 10],
    ]);
  });
});

describe('change data feed errors', () => {
  it('refuses tables without the feed and ranges outside the table', async () => {
    const { table: plain } = await DeltaTable.create(location(), { engine, data: { sql: 'SELECT 1 AS id' } });
    await expect(plain.changes({ from: 0 })).rejects.toMatchObject({ code: 'CDF_NOT_ENABLED', value: 0 });
    const { table: t } = await DeltaTable.create(location(), {
      engine,
      data: { sql: 'SELECT 1 AS id, 1 AS v' },
      properties: { 'delta.enableChangeDataFeed': 'true' },
    });
    await expect(t.changes({ from: 0, to: 5 })).rejects.toMatchObject({ code: 'CDF_RANGE_INVALID' });
    await expect(t.changes({ from: 1, to: 0 })).rejects.toMatchObject({ code: 'CDF_RANGE_INVALID' });
    expect(await changes(t, 0)).toEqual([[0, 'insert', 1, 1]]);
  });
});
