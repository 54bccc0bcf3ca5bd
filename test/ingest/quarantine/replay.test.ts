import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { ingestFiles, IngestTarget, replayQuarantine, type Rule } from '../../../src/ingest/index.js';
import { DeltaTable, field, primitive, struct, TableWriter } from '../../../src/table/index.js';
import { quarantineRows, tableRows, tableVersion, type QuarantinedRecord } from '../../support/ingest.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let root: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-replay-');
});
afterAll(() => engine.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const SCHEMA = struct([field('id', primitive('long'), false), field('name', primitive('string')), field('amount', primitive('double'))]);

/**
 * A table with one good record and three quarantined ones: lines 2 (id not a number),
 * 3 (amount not a number), 4 (not JSON); with rules, also line 5 (a negative amount).
 */
async function tableWithQuarantine(rules: readonly Rule[] = []): Promise<{ table: string; byLine: Map<number, QuarantinedRecord> }> {
  const dir = path.join(root, `r${counter++}`);
  await mkdir(dir, { recursive: true });
  const table = path.join(dir, 'events');
  await DeltaTable.create(table, { engine, schema: SCHEMA });
  const file = path.join(dir, 'in.jsonl');
  const lines = [
    '{"id": 1, "name": "ann", "amount": 1}',
    '{"id": "two", "name": "bob", "amount": 2}',
    '{"id": 3, "name": "cy", "amount": "three"}',
    '{"id": 4, "name": ',
  ];
  if (rules.length > 0) lines.push('{"id": 5, "name": "eve", "amount": -5}');
  await writeFile(file, lines.join('\n') + '\n');
  const target = await IngestTarget.open(table, { engine, checks: { rules } });
  await ingestFiles(engine, target, { files: file, checks: { rules } });
  const byLine = new Map((await quarantineRows(engine, table)).map((q) => [Number(q.source['line']), q]));
  return { table, byLine };
}

const ids = (rows: readonly Record<string, unknown>[]) => rows.map((r) => Number(r['id'])).sort((a, b) => a - b);
const recordIds = (records: readonly QuarantinedRecord[]) => records.map((q) => q.recordId).sort();

describe('replaying quarantined records', () => {
  it('moves fixed records into the table and out of the quarantine, and keeps the unfixed ones', async () => {
    const { table, byLine } = await tableWithQuarantine();
    expect([...byLine.keys()].sort()).toEqual([2, 3, 4]);
    const two = byLine.get(2)?.recordId as string;
    const three = byLine.get(3)?.recordId as string;
    const four = byLine.get(4)?.recordId as string;
    const fixes = new Map([
      [two, '{"id": 2, "name": "bob", "amount": 2}'],
      [three, '{"id": 3, "name": "cy", "amount": 3}'],
    ]);
    const result = await replayQuarantine(table, engine, { fixes });
    expect(result).toMatchObject({ tried: 3, replayed: 2, stillQuarantined: 1 });
    expect(result.tableVersion).toBe(await tableVersion(engine, table));
    expect((await tableRows(engine, table)).sort((a, b) => Number(a['id']) - Number(b['id']))).toEqual([
      { id: '1', name: 'ann', amount: 1 },
      { id: '2', name: 'bob', amount: 2 },
      { id: '3', name: 'cy', amount: 3 },
    ]);
    // The unfixed record stays as it was: same id, reason, source and payload.
    expect(await quarantineRows(engine, table)).toEqual([byLine.get(4)]);
    expect(recordIds(await quarantineRows(engine, table))).toEqual([four]);
  });

  it('does not duplicate anything when the same replay runs twice', async () => {
    const { table, byLine } = await tableWithQuarantine();
    const fixes = new Map([[byLine.get(2)?.recordId as string, '{"id": 2, "name": "bob", "amount": 2}']]);
    await replayQuarantine(table, engine, { fixes });
    const version = await tableVersion(engine, table);
    const quarantined = await quarantineRows(engine, table);

    const again = await replayQuarantine(table, engine, { fixes });
    expect(again).toMatchObject({ replayed: 0, stillQuarantined: 2 });
    expect(ids(await tableRows(engine, table))).toEqual([1, 2]);
    expect(await quarantineRows(engine, table)).toEqual(quarantined);
    // Nothing new reached the table's data.
    expect((await tableRows(engine, table, version)).length).toBe((await tableRows(engine, table)).length);
  });

  it('keeps a record whose fix is still wrong in the quarantine', async () => {
    const { table, byLine } = await tableWithQuarantine();
    const fixes = new Map([[byLine.get(2)?.recordId as string, '{"id": "still two"}']]);
    const result = await replayQuarantine(table, engine, { fixes });
    expect(result).toMatchObject({ tried: 3, replayed: 0, stillQuarantined: 3 });
    expect(ids(await tableRows(engine, table))).toEqual([1]);
    expect(recordIds(await quarantineRows(engine, table))).toEqual(recordIds([...byLine.values()]));
  });

  it('replays only the records the filter selects', async () => {
    const { table, byLine } = await tableWithQuarantine();
    const fixes = new Map([
      [byLine.get(2)?.recordId as string, '{"id": 2}'],
      [byLine.get(4)?.recordId as string, '{"id": 4}'],
    ]);
    const result = await replayQuarantine(table, engine, { fixes, where: "reason = 'PARSE_ERROR'" });
    expect(result).toMatchObject({ tried: 1, replayed: 1, stillQuarantined: 0 });
    expect(ids(await tableRows(engine, table))).toEqual([1, 4]);
    expect(recordIds(await quarantineRows(engine, table))).toEqual(recordIds([byLine.get(2), byLine.get(3)] as QuarantinedRecord[]));
  });

  it('replays records that failed a rule once the rule is dropped, without a fix', async () => {
    const positive = { name: 'positive', sql: 'amount >= 0' };
    const { table, byLine } = await tableWithQuarantine([positive]);
    expect(byLine.get(5)?.reason).toBe('RULE_FAILED');
    expect(await replayQuarantine(table, engine, { where: "reason = 'RULE_FAILED'" })).toMatchObject({ tried: 1, replayed: 1 });
    expect(ids(await tableRows(engine, table))).toEqual([1, 5]);
    expect((await quarantineRows(engine, table)).map((q) => q.reason).sort()).toEqual(['PARSE_ERROR', 'TYPE_MISMATCH', 'TYPE_MISMATCH']);
  });

  it('replays a record whose first fix was wrong once a right fix is given', async () => {
    const { table, byLine } = await tableWithQuarantine();
    const two = byLine.get(2)?.recordId as string;
    expect(await replayQuarantine(table, engine, { fixes: new Map([[two, '{"id": "still two"}']]) })).toMatchObject({ replayed: 0 });
    expect(await replayQuarantine(table, engine, { fixes: new Map([[two, '{"id": 2, "name": "bob", "amount": 2}']]) })).toMatchObject({ replayed: 1 });
    const inTable = ids(await tableRows(engine, table)).includes(2);
    const inQuarantine = (await quarantineRows(engine, table)).some((q) => q.recordId === two);
    expect({ inTable, inQuarantine }).toEqual({ inTable: true, inQuarantine: false });
  });

  // The same bug through a rule: a replay while the rule still holds, then one without it.
  it('replays a record that failed a rule once the rule is dropped, after a replay that kept it', async () => {
    const positive = { name: 'positive', sql: 'amount >= 0' };
    const { table } = await tableWithQuarantine([positive]);
    expect(await replayQuarantine(table, engine, { where: "reason = 'RULE_FAILED'", checks: { rules: [positive] } })).toMatchObject({ tried: 1, replayed: 0 });
    expect(await replayQuarantine(table, engine, { where: "reason = 'RULE_FAILED'" })).toMatchObject({ tried: 1, replayed: 1 });
    expect(ids(await tableRows(engine, table))).toEqual([1, 5]);
  });

  it('finishes an interrupted replay without writing a record twice', async () => {
    const { table, byLine } = await tableWithQuarantine();
    const fixes = new Map([[byLine.get(3)?.recordId as string, '{"id": 3, "name": "cy", "amount": 3}']]);
    // The table append goes through; the quarantine rewrite that should follow it does not.
    const overwrite = vi.spyOn(TableWriter.prototype, 'overwrite').mockRejectedValueOnce(new Error('simulated crash before the quarantine rewrite'));
    await expect(replayQuarantine(table, engine, { fixes })).rejects.toThrow('simulated crash');
    expect(overwrite).toHaveBeenCalledTimes(1);
    expect(ids(await tableRows(engine, table))).toEqual([1, 3]);
    expect(await quarantineRows(engine, table)).toHaveLength(3);

    const resumed = await replayQuarantine(table, engine, { fixes });
    expect(resumed.stillQuarantined).toBe(2);
    expect(ids(await tableRows(engine, table))).toEqual([1, 3]);
    expect(recordIds(await quarantineRows(engine, table))).toEqual(recordIds([byLine.get(2), byLine.get(4)] as QuarantinedRecord[]));
  });

  it('tries nothing for a table that never quarantined a record', async () => {
    const dir = path.join(root, `r${counter++}`);
    const table = path.join(dir, 'clean');
    await DeltaTable.create(table, { engine, schema: SCHEMA });
    expect(await replayQuarantine(table, engine)).toEqual({ tried: 0, replayed: 0, stillQuarantined: 0, tableVersion: undefined });
  });
});
