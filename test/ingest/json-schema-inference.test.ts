import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { IngestTarget, type RawRecord } from '../../src/ingest/index.js';
import { DeltaTable, primitive } from '../../src/table/index.js';
import { quarantineRows, tableRows } from '../support/ingest.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let root: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-schema-inference-');
});
afterAll(() => engine.close());

const records = (payloads: readonly string[]): RawRecord[] => payloads.map((payload, index) => ({ payload, source: { kind: 'http', requestId: 'r', index } }));

/** A new table made from a first batch: its location and the batch's result. */
async function first(payloads: readonly string[]) {
  const location = path.join(root, `t${counter++}`);
  const target = await IngestTarget.open(location, { engine, createIfMissing: {} });
  const result = await target.writeJson(records(payloads), []);
  return { location, result };
}

async function columns(location: string) {
  return (await (await DeltaTable.open(location, { engine })).snapshot()).schema.fields.map((f) => [f.name, f.type]);
}

describe('a new table from a first batch of JSON records', () => {
  it('makes a column of each of 200 keys (not one map column)', async () => {
    for (const n of [200]) {
      const record = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
      const { location, result } = await first([JSON.stringify(record)]);
      expect(result).toMatchObject({ accepted: 1, quarantined: 0 });
      expect(await columns(location)).toHaveLength(n);
      expect((await tableRows(engine, location))[0]?.['k199']).toBe('199');
    }
  });

  it('refuses a first batch with an empty key with INGEST_SCHEMA_UNINFERABLE, creating nothing', async () => {
    const location = path.join(root, `t${counter++}`);
    const target = await IngestTarget.open(location, { engine, createIfMissing: {} });
    await expect(target.writeJson(records(['{"": 1, "a": 2}']), [])).rejects.toMatchObject({ code: 'INGEST_SCHEMA_UNINFERABLE' });
    expect(await target.snapshot()).toBeUndefined();
  });

  it('infers timestamp (an instant) from strings ending in Z or an offset, and stores the UTC instant', async () => {
    const { location } = await first(['{"z": "2024-05-01T10:00:00Z", "o": "2024-05-01T10:00:00+02:00", "n": "2024-05-01T10:00:00"}']);
    expect(await columns(location)).toEqual([
      ['z', primitive('timestamp')],
      ['o', primitive('timestamp')],
      ['n', primitive('timestamp_ntz')],
    ]);
    const stored = (await tableRows(engine, location))[0] ?? {};
    const [utc] = await engine.query(`SELECT strftime(${`'${String(stored['o'])}'`}::TIMESTAMPTZ AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS o`);
    expect(utc).toEqual({ o: '2024-05-01T08:00:00' });
  });

  it('makes a string column of a time of day, keeping the text', async () => {
    const { location, result } = await first(['{"at": "10:00:00", "nested": {"at": "11:30:00"}}']);
    expect(result).toMatchObject({ accepted: 1, quarantined: 0 });
    expect(await columns(location)).toEqual([
      ['at', primitive('string')],
      ['nested', { kind: 'struct', fields: [{ name: 'at', type: primitive('string'), nullable: true, metadata: {} }] }],
    ]);
    expect(await tableRows(engine, location)).toEqual([{ at: '10:00:00', nested: { at: '11:30:00' } }]);
  });

  it('infers from the records without repeated keys and quarantines the others with DUPLICATE_KEY', async () => {
    const { location, result } = await first(['{"a": 1, "a": "x"}', '{"a": 2}']);
    expect(result).toMatchObject({ accepted: 1, quarantined: 1 });
    expect(await columns(location)).toEqual([['a', primitive('long')]]);
    expect((await quarantineRows(engine, location)).map((q) => [q.reason, q.payload])).toEqual([['DUPLICATE_KEY', '{"a": 1, "a": "x"}']]);
  });
});
