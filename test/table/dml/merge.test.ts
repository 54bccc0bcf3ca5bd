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

/** Customers 1..20 in two regions, written in two files. */
async function customers(deletionVectors: boolean): Promise<DeltaTable> {
  const rows = (from: number, to: number) =>
    `SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region, i * 10 AS balance, 'v1' AS note FROM range(${from}, ${to}) t(i)`;
  const { table } = await DeltaTable.create(location(), {
    engine,
    data: { sql: rows(1, 11) },
    properties: deletionVectors ? { 'delta.enableDeletionVectors': 'true' } : {},
  });
  await table.append({ sql: rows(11, 21) });
  return table;
}

async function state(t: DeltaTable): Promise<[number, string, number, string][]> {
  const rows = await engine.query(`SELECT * FROM (${await (await t.scan()).sql()}) ORDER BY id`);
  return rows.map((r) => [Number(r['id']), String(r['region']), Number(r['balance']), String(r['note'])]);
}

describe.each([
  ['copy on write', false],
  ['deletion vectors', true],
])('merge with %s', (_name, deletionVectors) => {
  it('upserts: updates matched rows, inserts new ones, deletes by condition, all in one commit', async () => {
    const t = await customers(deletionVectors);
    const source = {
      rows: [
        { id: 2, balance: 25, op: 'set' },
        { id: 3, balance: 0, op: 'close' },
        { id: 15, balance: 155, op: 'set' },
        { id: 30, balance: 300, op: 'set' },
        { id: 31, balance: 0, op: 'close' },
      ],
    };
    const result = await t.merge({
      source,
      on: 'target.id = source.id',
      whenMatched: [{ condition: "source.op = 'close'", delete: true }, { update: { balance: 'source.balance', note: "'v2'" } }],
      whenNotMatched: [{ condition: "source.op <> 'close'", insert: { id: 'source.id', region: "'new'", balance: 'source.balance', note: "'v2'" } }],
    });
    expect(result).toMatchObject({ committed: true, version: 2, rowsUpdated: 2, rowsDeleted: 1, rowsInserted: 1 });
    const rows = await state(t);
    expect(rows).toHaveLength(20);
    expect(rows.find((r) => r[0] === 2)).toEqual([2, 'eu', 25, 'v2']);
    expect(rows.find((r) => r[0] === 3)).toBeUndefined();
    expect(rows.find((r) => r[0] === 15)).toEqual([15, 'us', 155, 'v2']);
    expect(rows.find((r) => r[0] === 30)).toEqual([30, 'new', 300, 'v2']);
    expect(rows.find((r) => r[0] === 31)).toBeUndefined();
    expect(rows.filter((r) => r[3] === 'v1')).toHaveLength(17);
    const [entry] = await t.history({ limit: 1 });
    expect(entry).toMatchObject({
      operation: 'MERGE',
      operationMetrics: { numTargetRowsUpdated: '2', numTargetRowsDeleted: '1', numTargetRowsInserted: '1', numSourceRows: '5' },
    });
  });

  it("syncs a table to a source with whenNotMatchedBySource, and '*' takes every column by name", async () => {
    const t = await customers(deletionVectors);
    const source = { sql: "SELECT i AS id, 'eu' AS region, i * 100 AS balance, 'synced' AS note FROM range(1, 6) t(i)" };
    const result = await t.merge({
      source,
      on: 'target.id = source.id',
      whenMatched: [{ update: '*' }],
      whenNotMatched: [{ insert: '*' }],
      whenNotMatchedBySource: [{ condition: 'target.id > 18', delete: true }, { update: { note: "'stale'" } }],
    });
    expect(result).toMatchObject({ rowsUpdated: 5 + 13, rowsDeleted: 2, rowsInserted: 0 });
    const rows = await state(t);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(rows.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((i) => [i, 'eu', i * 100, 'synced']));
    expect(rows.slice(5).every((r) => r[3] === 'stale')).toBe(true);
  });

  it('refuses a source row set where two rows match one target row, and bad clauses, committing nothing', async () => {
    const t = await customers(deletionVectors);
    const duplicate = t.merge({
      source: {
        rows: [
          { id: 4, balance: 1 },
          { id: 4, balance: 2 },
        ],
      },
      on: 'target.id = source.id',
      whenMatched: [{ update: { balance: 'source.balance' } }],
    });
    await expect(duplicate).rejects.toMatchObject({ code: 'MERGE_CARDINALITY_VIOLATION' });
    // Duplicates that only insert are fine: no target row is ambiguous.
    await expect(
      t.merge({ source: { rows: [{ id: 40 }, { id: 40 }] }, on: 'target.id = source.id', whenNotMatched: [{ insert: { id: 'source.id' } }] }),
    ).resolves.toMatchObject({ rowsInserted: 2 });
    await expect(t.merge({ source: { rows: [{ id: 1 }] }, on: 'target.id = source.id' })).rejects.toMatchObject({ code: 'MERGE_INVALID' });
    await expect(t.merge({ source: { rows: [{ id: 1 }] }, on: 'target.nope = source.id', whenMatched: [{ delete: true }] })).rejects.toMatchObject({
      code: 'MERGE_INVALID',
    });
    await expect(t.merge({ source: { rows: [{ id: 1 }] }, on: 'target.id = source.id', whenMatched: [{ update: '*' }] })).rejects.toMatchObject({
      code: 'MERGE_INVALID',
      value: 'region',
    });
    expect((await t.snapshot()).version).toBe(2);
    expect(await t.merge({ source: { rows: [{ id: 999 }] }, on: 'target.id = source.id', whenMatched: [{ delete: true }] })).toMatchObject({
      committed: false,
    });
  });
});
