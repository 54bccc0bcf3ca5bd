import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { gatedAppend, gatedMerge, gatedOverwrite, IngestTarget } from '../../src/ingest/index.js';
import type { ExpectationSuite } from '../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../src/table/index.js';
import { byColumn, quarantineRows, tableRows, tableVersion } from '../support/ingest.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let root: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-gated-write-');
});
afterAll(() => engine.close());

const NOT_NULL = { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } };
const MEAN = { type: 'expect_column_mean_to_be_between', kwargs: { column: 'price', max_value: 100 } };
const suite = (action: 'warn' | 'block' = 'block'): ExpectationSuite => ({ name: 'orders_gate', expectations: [NOT_NULL, MEAN], action });

async function gatedTable(action: 'warn' | 'block' = 'block'): Promise<{ location: string; target: IngestTarget }> {
  const location = path.join(root, `orders_${counter++}`);
  const schema = struct([field('id', primitive('long'), false), field('user_id', primitive('long')), field('price', primitive('double'))]);
  await DeltaTable.create(location, { engine, schema, data: { rows: [{ id: 0, user_id: 0, price: 1 }] } });
  return { location, target: await IngestTarget.open(location, { engine, gate: { suite: suite(action) } }) };
}

const rows = (list: readonly [number, number | null, number][]) => ({ rows: list.map(([id, user_id, price]) => ({ id, user_id, price })) });

describe('gatedAppend', () => {
  it('appends the good rows and quarantines the rest with their expectation; a repeat with the same txn adds nothing', async () => {
    const { location, target } = await gatedTable();
    const data = rows([
      [1, 1, 5],
      [2, null, 6],
      [3, 3, 7],
    ]);
    const txn = { appId: 'loader', version: 1 };
    expect(await gatedAppend(target, data, { txn })).toMatchObject({ accepted: 2, quarantined: 1, skipped: false });
    expect(await gatedAppend(target, data, { txn })).toMatchObject({ accepted: 0, quarantined: 0, skipped: true });
    expect((await tableRows(engine, location)).sort(byColumn('id')).map((r) => Number(r['id']))).toEqual([0, 1, 3]);
    expect((await quarantineRows(engine, location)).map((q) => [q.sourceKind, q.source['record'], q.message])).toEqual([
      ['write', 2, `${NOT_NULL.type} ${JSON.stringify(NOT_NULL.kwargs)}`],
    ]);
  });

  it('blocks a failing batch, leaving the table version unchanged', async () => {
    const { location, target } = await gatedTable();
    const version = await tableVersion(engine, location);
    await expect(gatedAppend(target, rows([[1, 1, 500]]))).rejects.toMatchObject({ code: 'QUALITY_GATE_BLOCKED' });
    expect(await tableVersion(engine, location)).toBe(version);
  });
});

describe('gatedMerge', () => {
  it('merges the good source rows, quarantines the rest once however often it is run, and warns under warn', async () => {
    const { location, target } = await gatedTable('warn');
    const merge = {
      source: rows([
        [0, 10, 300],
        [4, null, 1],
        [5, 5, 2],
      ]),
      on: 'target.id = source.id',
      whenMatched: [{ update: '*' as const }],
      whenNotMatched: [{ insert: '*' as const }],
    };
    const first = await gatedMerge(target, merge);
    expect(first).toMatchObject({ accepted: 2, quarantined: 1, warnings: [{ type: MEAN.type, observed: 151 }] });
    expect(await gatedMerge(target, merge)).toMatchObject({ quarantined: 0 });
    expect((await tableRows(engine, location)).sort(byColumn('id')).map((r) => [Number(r['id']), Number(r['user_id'])])).toEqual([
      [0, 10],
      [5, 5],
    ]);
    expect((await quarantineRows(engine, location)).length).toBe(1);
  });
});

describe('gatedOverwrite', () => {
  it('replaces the rows by the good ones, quarantines the rest once however often it is run, and blocks a failing batch', async () => {
    const { location, target } = await gatedTable();
    const data = rows([
      [7, 7, 5],
      [8, null, 6],
    ]);
    expect(await gatedOverwrite(target, data)).toMatchObject({ accepted: 1, quarantined: 1 });
    expect(await gatedOverwrite(target, data)).toMatchObject({ accepted: 1, quarantined: 0 });
    expect((await tableRows(engine, location)).map((r) => Number(r['id']))).toEqual([7]);
    expect((await quarantineRows(engine, location)).map((q) => [q.source['record'], q.message])).toEqual([
      [2, `${NOT_NULL.type} ${JSON.stringify(NOT_NULL.kwargs)}`],
    ]);
    const version = await tableVersion(engine, location);
    await expect(gatedOverwrite(target, rows([[9, 9, 500]]))).rejects.toMatchObject({ code: 'QUALITY_GATE_BLOCKED' });
    expect(await tableVersion(engine, location)).toBe(version);
    expect((await tableRows(engine, location)).map((r) => Number(r['id']))).toEqual([7]);
  });
});
