import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { IngestTarget, type RawRecord } from '../../../src/ingest/index.js';
import { DeltaTable, decimal, field, primitive, struct, type StructType } from '../../../src/table/index.js';
import { quarantineRows, tableRows } from '../../support/ingest.js';
import { tempDir } from '../../support/temp.js';

// Every source (HTTP, Kafka, Kinesis, JSON-lines files) hands its records to IngestTarget.writeJson
// or writeStagedJson, which run these checks: a value is stored exactly or quarantined, never changed.

let engine: Engine;
let root: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-record-checks-');
});
afterAll(() => engine.close());

const SCHEMA: StructType = struct([
  field('id', primitive('long')),
  field('x', primitive('double')),
  field('f', primitive('float')),
  field('s', primitive('string')),
  field('d', primitive('date')),
  field('ts', primitive('timestamp')),
  field('ntz', primitive('timestamp_ntz')),
]);

/** Write raw JSON texts into a fresh table with SCHEMA; answer the stored rows (by id) and the quarantine. */
async function land(payloads: readonly string[], schema: StructType = SCHEMA) {
  const location = path.join(root, `t${counter++}`);
  await DeltaTable.create(location, { engine, schema });
  const target = await IngestTarget.open(location, { engine });
  const records: RawRecord[] = payloads.map((payload, index) => ({ payload, source: { kind: 'http', requestId: 'r', index } }));
  const result = await target.writeJson(records, []);
  return { result, rows: await tableRows(engine, location), quarantine: await quarantineRows(engine, location) };
}

/** The one quarantined record of a batch: its reason and its exact payload. */
async function quarantinedOnly(payload: string, schema: StructType = SCHEMA) {
  const { rows, quarantine } = await land([payload], schema);
  expect(rows).toEqual([]);
  expect(quarantine).toHaveLength(1);
  return { reason: quarantine[0]!.reason, payload: quarantine[0]!.payload };
}

describe('numbers', () => {
  it('stores an integer beyond 2^53 in a long column with every digit', async () => {
    const { rows } = await land(['{"id": 9007199254740993}', '{"id": -9223372036854775808}']);
    expect(rows.map((r) => String(r['id'])).sort()).toEqual(['-9223372036854775808', '9007199254740993']);
  });

  it('quarantines an integer beyond the long range rather than storing another number', async () => {
    expect(await quarantinedOnly('{"id": 9223372036854775808}')).toEqual({ reason: 'TYPE_MISMATCH', payload: '{"id": 9223372036854775808}' });
  });

  it('quarantines an integer a double cannot hold exactly (2^53 + 1), keeping its digits in the payload', async () => {
    expect(await quarantinedOnly('{"x": 9007199254740993}')).toEqual({ reason: 'TYPE_MISMATCH', payload: '{"x": 9007199254740993}' });
    expect(await quarantinedOnly('{"x": 123456789012345678901234567890}')).toEqual({
      reason: 'TYPE_MISMATCH',
      payload: '{"x": 123456789012345678901234567890}',
    });
    expect(await quarantinedOnly('{"f": 16777217}')).toEqual({ reason: 'TYPE_MISMATCH', payload: '{"f": 16777217}' });
  });

  it('stores integers a double holds exactly, and fractions, in a double column', async () => {
    const { rows, quarantine } = await land(['{"id": 1, "x": 9007199254740992}', '{"id": 2, "x": 0.1}', '{"id": 3, "x": -1e300}']);
    expect(quarantine).toEqual([]);
    expect(rows.map((r) => [Number(r['id']), r['x']]).sort()).toEqual([
      [1, 9007199254740992],
      [2, 0.1],
      [3, -1e300],
    ]);
  });

  it('quarantines 1e400 (beyond a double) instead of storing NULL or infinity', async () => {
    expect(await quarantinedOnly('{"x": 1e400}')).toEqual({ reason: 'TYPE_MISMATCH', payload: '{"x": 1e400}' });
    expect(await quarantinedOnly('{"f": 1e39}')).toEqual({ reason: 'TYPE_MISMATCH', payload: '{"f": 1e39}' });
  });

  it('stores decimals exactly and quarantines those the column would round', async () => {
    const schema = struct([field('id', primitive('long')), field('m', decimal(10, 2))]);
    const { rows, quarantine } = await land(
      [
        '{"id": 1, "m": 1.2300}',
        '{"id": 2, "m": "-0.5"}',
        '{"id": 3, "m": 1.5e-1}',
        '{"id": 4, "m": 1.239}',
        '{"id": 5, "m": "1.001"}',
        '{"id": 6, "m": 1.234e-1}',
      ],
      schema,
    );
    expect(rows.map((r) => [Number(r['id']), String(r['m'])]).sort()).toEqual([
      [1, '1.23'],
      [2, '-0.50'],
      [3, '0.15'],
    ]);
    expect(quarantine.map((q) => [q.reason, q.payload])).toEqual([
      ['TYPE_MISMATCH', '{"id": 4, "m": 1.239}'],
      ['TYPE_MISMATCH', '{"id": 5, "m": "1.001"}'],
      ['TYPE_MISMATCH', '{"id": 6, "m": 1.234e-1}'],
    ]);
  });

  it('refuses 3.0 in a long column (a JSON number with a fraction part is not a long)', async () => {
    expect(await quarantinedOnly('{"id": 3.0}')).toEqual({ reason: 'TYPE_MISMATCH', payload: '{"id": 3.0}' });
  });
});

describe('keys', () => {
  it('quarantines a record that repeats a key with DUPLICATE_KEY, whichever value comes first', async () => {
    expect(await quarantinedOnly('{"id": 1, "id": 2}')).toEqual({ reason: 'DUPLICATE_KEY', payload: '{"id": 1, "id": 2}' });
  });

  it('quarantines a record that repeats a key inside a struct, a map or a list of structs', async () => {
    const schema = struct([
      field('o', struct([field('a', primitive('long'))])),
      field('m', { kind: 'map', keyType: primitive('string'), valueType: primitive('long'), valueContainsNull: true }),
      field('l', { kind: 'array', elementType: struct([field('x', primitive('long'))]), containsNull: true }),
    ]);
    for (const payload of ['{"o": {"a": 1, "a": 2}}', '{"m": {"k": 1, "k": 2}}', '{"l": [{"x": 1}, {"x": 1, "x": 2}]}']) {
      expect(await quarantinedOnly(payload, schema), payload).toEqual({ reason: 'DUPLICATE_KEY', payload });
    }
    const { rows, quarantine } = await land(['{"o": {"a": 1}, "m": {"k": 1, "j": 1}, "l": [{"x": 1}, {"x": 1}]}'], schema);
    expect(quarantine).toEqual([]);
    expect(rows).toHaveLength(1);
  });

  it('reads fields whose names hold quotes, backslashes, slashes, tildes and dots', async () => {
    const names = ['q"x', 'b\\s', 's/l', 't~0', 'd.t', "a'p"];
    const schema = struct(names.map((n) => field(n, primitive('string'))));
    const record = Object.fromEntries(names.map((n, i) => [n, `v${i}`]));
    const { rows, quarantine } = await land([JSON.stringify(record)], schema);
    expect(quarantine).toEqual([]);
    expect(rows).toEqual([record]);
  });
});

describe('strings', () => {
  it('stores NUL characters, quotes and backslashes in a value exactly', async () => {
    const s = 'a\u0000b "q" \'p\' \\ \\u0000 é 😀';
    const { rows, quarantine } = await land([JSON.stringify({ id: 1, s })]);
    expect(quarantine).toEqual([]);
    expect(rows[0]?.['s']).toBe(s);
  });
});

describe('dates and timestamps', () => {
  it('converts a timestamp with an offset to the UTC instant, in both timestamp kinds', async () => {
    const { rows, quarantine } = await land([
      '{"ts": "2024-05-01T10:00:00+02:00", "ntz": "2024-05-01T10:00:00+02:00"}',
      '{"ts": "2024-05-01T23:30:00-05:30", "ntz": "2024-05-01T10:00:00Z"}',
    ]);
    expect(quarantine).toEqual([]);
    const read = await engine.query(
      `SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') AS ts, strftime(ntz, '%Y-%m-%dT%H:%M:%S') AS ntz FROM (VALUES ${rows.map((r) => `('${String(r['ts'])}'::TIMESTAMPTZ, '${String(r['ntz'])}'::TIMESTAMP)`).join(', ')}) v(ts, ntz) ORDER BY ts`,
    );
    expect(read).toEqual([
      { ts: '2024-05-01T08:00:00', ntz: '2024-05-01T08:00:00' },
      { ts: '2024-05-02T05:00:00', ntz: '2024-05-01T10:00:00' },
    ]);
  });

  it('reads a timestamp without an offset as UTC, unchanged', async () => {
    const { rows } = await land(['{"ts": "2024-05-01 10:00:00", "ntz": "2024-05-01 10:00:00"}']);
    const read = await engine.query(
      `SELECT strftime(('${String(rows[0]?.['ts'])}'::TIMESTAMPTZ) AT TIME ZONE 'UTC', '%H:%M') AS ts, strftime('${String(rows[0]?.['ntz'])}'::TIMESTAMP, '%H:%M') AS ntz`,
    );
    expect(read).toEqual([{ ts: '10:00', ntz: '10:00' }]);
  });

  it('quarantines infinity and years outside 0001-9999 in date and timestamp columns', async () => {
    for (const value of ['infinity', '-infinity', '10000-01-01', '0000-12-31', '-0001-01-01']) {
      expect(await quarantinedOnly(`{"d": "${value}"}`), value).toMatchObject({ reason: 'TYPE_MISMATCH' });
      expect(await quarantinedOnly(`{"ts": "${value}"}`), value).toMatchObject({ reason: 'TYPE_MISMATCH' });
      expect(await quarantinedOnly(`{"ntz": "${value}"}`), value).toMatchObject({ reason: 'TYPE_MISMATCH' });
    }
  });

  it('stores the first and last days of the range', async () => {
    const { rows, quarantine } = await land([
      '{"id": 1, "d": "0001-01-01", "ts": "0001-01-01T00:00:00Z"}',
      '{"id": 2, "d": "9999-12-31", "ts": "9999-12-31T23:59:59.999999Z"}',
    ]);
    expect(quarantine).toEqual([]);
    expect(rows.map((r) => String(r['d'])).sort()).toEqual(['0001-01-01', '9999-12-31']);
  });

  it('refuses a timestamp in a date column rather than dropping its time of day', async () => {
    expect(await quarantinedOnly('{"d": "2024-05-01T10:00:00+02:00"}')).toMatchObject({ reason: 'TYPE_MISMATCH' });
  });
});

describe('bytes that are not UTF-8', () => {
  it('quarantines a record marked INVALID_UTF8 with its bytes in base64', async () => {
    const location = path.join(root, `t${counter++}`);
    await DeltaTable.create(location, { engine, schema: SCHEMA });
    const target = await IngestTarget.open(location, { engine });
    const bytes = Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    await target.writeJson(
      [
        { payload: bytes.toString('base64'), invalid: 'INVALID_UTF8', source: { kind: 'http', requestId: 'r', index: 0 } },
        { payload: '{"id": 1}', source: { kind: 'http', requestId: 'r', index: 1 } },
      ],
      [],
    );
    expect((await tableRows(engine, location)).map((r) => String(r['id']))).toEqual(['1']);
    const [bad] = await quarantineRows(engine, location);
    expect(bad).toMatchObject({ reason: 'INVALID_UTF8', payload: bytes.toString('base64') });
  });
});
