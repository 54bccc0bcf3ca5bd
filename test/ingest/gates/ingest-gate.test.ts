import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { ingestFiles, IngestTarget, replayQuarantine } from '../../../src/ingest/index.js';
import { type ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../../src/table/index.js';
import { byColumn, quarantineRows, tableRows, tableVersion } from '../../support/ingest.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let root: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-ingest-gate-');
});
afterAll(() => engine.close());

const SCHEMA = struct([field('id', primitive('long'), false), field('user_id', primitive('long')), field('price', primitive('double'))]);

const NOT_NULL = { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } };
const NON_NEGATIVE = { type: 'expect_column_values_to_be_between', kwargs: { column: 'price', min_value: 0 } };
const MEAN = { type: 'expect_column_mean_to_be_between', kwargs: { column: 'price', max_value: 100 } };
const ROWS = { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 1000 } };

const suite = (action?: 'warn' | 'block'): ExpectationSuite => ({
  name: 'orders_gate',
  expectations: [NOT_NULL, NON_NEGATIVE, MEAN, ROWS],
  ...(action === undefined ? {} : { action }),
});

async function workspace() {
  const dir = path.join(root, `w${counter++}`);
  await mkdir(dir, { recursive: true });
  const table = path.join(dir, 'orders');
  await DeltaTable.create(table, { engine, schema: SCHEMA });
  return {
    table,
    file: async (name: string, content: string) => {
      const at = path.join(dir, name);
      await writeFile(at, content);
      return at;
    },
  };
}

const lines = (records: readonly unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

/** Ten records: six good, two without a user, one with a negative price, one that is not JSON. */
const PLANTED = [
  { id: 1, user_id: 10, price: 5 },
  { id: 2, user_id: null, price: 6 },
  { id: 3, user_id: 12, price: -1 },
  { id: 4, user_id: 13, price: 7.5 },
  '{"id": 5, "user_id": 14, "price":',
  { id: 6, user_id: 15, price: 8 },
  { id: 7, price: 9 },
  { id: 8, user_id: 17, price: 10 },
  { id: 9, user_id: 18, price: 0 },
  { id: 10, user_id: 19, price: 11 },
];

describe('a quality gate on file ingest', () => {
  it('commits exactly the good rows and quarantines exactly the bad ones, each with the expectation it failed', async () => {
    const w = await workspace();
    const file = await w.file('orders.jsonl', lines(PLANTED));
    const target = await IngestTarget.open(w.table, { engine, gate: { suite: suite() } });
    const result = await ingestFiles(engine, target, { files: file });
    expect(result).toMatchObject({ accepted: 6, quarantined: 4, warnings: [] });
    expect((await tableRows(engine, w.table)).map((r) => Number(r['id'])).sort((a, b) => a - b)).toEqual([1, 4, 6, 8, 9, 10]);
    const bad = (await quarantineRows(engine, w.table)).map((q) => ({ line: q.source['line'], reason: q.reason, message: q.message }));
    expect(bad.sort((a, b) => Number(a.line) - Number(b.line))).toEqual([
      { line: 2, reason: 'EXPECTATION_FAILED', message: `${NOT_NULL.type} ${JSON.stringify(NOT_NULL.kwargs)}` },
      { line: 3, reason: 'EXPECTATION_FAILED', message: `${NON_NEGATIVE.type} ${JSON.stringify(NON_NEGATIVE.kwargs)}` },
      { line: 5, reason: 'PARSE_ERROR', message: 'the payload is not a JSON object' },
      { line: 7, reason: 'EXPECTATION_FAILED', message: `${NOT_NULL.type} ${JSON.stringify(NOT_NULL.kwargs)}` },
    ]);
  });

  it('gates CSV files too, read once with the table types: required, malformed and failing rows quarantined with their reason and row', async () => {
    const w = await workspace();
    const file = await w.file('orders.csv', 'id,user_id,price\n1,10,5\n2,,6\n3,12,-1\n4,13,7\n');
    const target = await IngestTarget.open(w.table, { engine, gate: { suite: suite() } });
    const result = await ingestFiles(engine, target, { files: file });
    expect(result).toMatchObject({ accepted: 2, quarantined: 2 });
    expect((await tableRows(engine, w.table)).sort(byColumn('id')).map((r) => Number(r['id']))).toEqual([1, 4]);
    expect((await quarantineRows(engine, w.table)).map((q) => [q.source['record'], q.reason])).toEqual([
      [2, 'EXPECTATION_FAILED'],
      [3, 'EXPECTATION_FAILED'],
    ]);
  });

  it('quarantines a gated CSV row with its typed values as the payload, which replays once the gate is met', async () => {
    const w = await workspace();
    const file = await w.file('orders.csv', 'id,user_id,price\n1,10,5\n,11,6\n3,12,-1.5\n4,13,7,99\n5,15,8\n');
    const target = await IngestTarget.open(w.table, { engine, gate: { suite: suite() } });
    const result = await ingestFiles(engine, target, { files: file });
    expect(result).toMatchObject({ accepted: 2, quarantined: 3 });
    expect((await tableRows(engine, w.table)).sort(byColumn('id')).map((r) => Number(r['id']))).toEqual([1, 5]);
    const bad = await quarantineRows(engine, w.table);
    const byReason = new Map(bad.map((q) => [q.reason, q]));
    expect([...byReason.keys()].sort()).toEqual(['EXPECTATION_FAILED', 'MISSING_REQUIRED', 'PARSE_ERROR']);
    expect(byReason.get('MISSING_REQUIRED')).toMatchObject({ message: 'field "id" is required but missing or null', source: { kind: 'file', record: 2 } });
    expect(byReason.get('EXPECTATION_FAILED')).toMatchObject({ message: `${NON_NEGATIVE.type} ${JSON.stringify(NON_NEGATIVE.kwargs)}`, source: { record: 3 } });
    expect(JSON.parse(String(byReason.get('EXPECTATION_FAILED')?.payload))).toEqual({ id: 3, user_id: 12, price: -1.5 });
    // The payload replays as it is once the gate no longer refuses it.
    const lenient = { suite: { name: 'lenient', expectations: [NOT_NULL] } };
    expect(await replayQuarantine(w.table, engine, { where: `reason = 'EXPECTATION_FAILED'`, gate: lenient })).toMatchObject({ tried: 1, replayed: 1 });
    expect((await tableRows(engine, w.table)).sort(byColumn('id')).map((r) => Number(r['price']))).toEqual([5, -1.5, 8]);
  });

  it('blocks a batch whose table-level expectations fail: QUALITY_GATE_BLOCKED, table and quarantine unchanged', async () => {
    const w = await workspace();
    const before = await tableVersion(engine, w.table);
    // A null user (a row-level failure) and a mean price of 500 (a batch-level one).
    const file = await w.file(
      'pricey.jsonl',
      lines([
        { id: 1, user_id: 1, price: 900 },
        { id: 2, user_id: 2, price: 100 },
        { id: 3, user_id: null, price: 1 },
      ]),
    );
    const target = await IngestTarget.open(w.table, { engine, gate: { suite: suite('block') } });
    await expect(ingestFiles(engine, target, { files: file })).rejects.toMatchObject({ code: 'QUALITY_GATE_BLOCKED' });
    expect(await tableVersion(engine, w.table)).toBe(before);
    expect(await tableRows(engine, w.table)).toEqual([]);
    expect(await quarantineRows(engine, w.table)).toEqual([]);
  });

  it('lets such a batch through with a warning when the suite says warn', async () => {
    const w = await workspace();
    const file = await w.file(
      'pricey.jsonl',
      lines([
        { id: 1, user_id: 1, price: 900 },
        { id: 2, user_id: 2, price: 100 },
        { id: 3, user_id: null, price: 1 },
      ]),
    );
    const target = await IngestTarget.open(w.table, { engine, gate: { suite: suite('warn') } });
    const result = await ingestFiles(engine, target, { files: file });
    expect(result).toMatchObject({ accepted: 2, quarantined: 1 });
    expect(result.warnings).toEqual([{ file, warnings: [{ suite: 'orders_gate', type: MEAN.type, kwargs: MEAN.kwargs, observed: 500 }] }]);
    expect((await tableRows(engine, w.table)).length).toBe(2);
  });

  it('judges uniqueness within the batch, quarantining every copy of a repeated value', async () => {
    const w = await workspace();
    const unique: ExpectationSuite = { name: 'unique_ids', expectations: [{ type: 'expect_column_values_to_be_unique', kwargs: { column: 'user_id' } }] };
    const target = await IngestTarget.open(w.table, { engine, gate: { suite: unique } });
    await ingestFiles(engine, target, { files: await w.file('first.jsonl', lines([{ id: 1, user_id: 1 }])) });
    // user_id 1 is already in the table: only the batch's own rows are compared.
    const file = await w.file(
      'dupes.jsonl',
      lines([
        { id: 2, user_id: 2 },
        { id: 3, user_id: 1 },
        { id: 4, user_id: 2 },
      ]),
    );
    expect(await ingestFiles(engine, target, { files: file })).toMatchObject({ accepted: 1, quarantined: 2 });
  });

  it('passes a suite that only has aggregates without quarantining anything', async () => {
    const w = await workspace();
    const target = await IngestTarget.open(w.table, { engine, gate: { suite: { name: 'rows', expectations: [ROWS] } } });
    const file = await w.file('ok.jsonl', lines([{ id: 1, user_id: null, price: -5 }]));
    expect(await ingestFiles(engine, target, { files: file })).toMatchObject({ accepted: 1, quarantined: 0, warnings: [] });
  });

  it('replays a quarantined record only when it now passes the gate', async () => {
    const w = await workspace();
    const gate = { suite: suite() };
    const target = await IngestTarget.open(w.table, { engine, gate });
    await ingestFiles(engine, target, { files: await w.file('orders.jsonl', lines(PLANTED)) });
    const byLine = new Map((await quarantineRows(engine, w.table)).map((q) => [q.source['line'], q.recordId]));
    const fixes = new Map([
      [byLine.get(2) as string, JSON.stringify({ id: 2, user_id: 11, price: 6 })],
      [byLine.get(7) as string, JSON.stringify({ id: 7, user_id: null, price: 9 })],
    ]);
    const result = await replayQuarantine(w.table, engine, { where: `reason = 'EXPECTATION_FAILED'`, fixes, gate });
    expect(result).toMatchObject({ tried: 3, replayed: 1, stillQuarantined: 2 });
    expect((await tableRows(engine, w.table)).map((r) => Number(r['id'])).sort((a, b) => a - b)).toEqual([1, 2, 4, 6, 8, 9, 10]);
  });
});
