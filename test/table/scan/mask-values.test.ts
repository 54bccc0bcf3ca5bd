import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { decimal, hashValue, maskSql, maskValue, primitive, type DataType } from '../../../src/table/index.js';

const salt = Buffer.alloc(32, 7);
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});

afterAll(() => engine?.close());

/** What DuckDB makes of a value under `hash`. */
const inSql = async (literal: string, type: DataType): Promise<unknown> => {
  const [row] = await engine.query(`SELECT ${maskSql(literal, type, 'hash', salt).sql} AS v`);
  return row?.['v'];
};

describe('hash masking in JS and in DuckDB', () => {
  it('hashes strings, integers and booleans to the same text in both', async () => {
    const cases: [string, DataType, unknown[]][] = [
      ["'ann@example.com'", primitive('string'), ['ann@example.com']],
      ['12::BIGINT', primitive('long'), [12, 12n]],
      ['-7::INTEGER', primitive('integer'), [-7]],
      ['3::SMALLINT', primitive('short'), [3]],
      ['1::TINYINT', primitive('byte'), [1]],
      ['true', primitive('boolean'), [true]],
    ];
    for (const [literal, type, values] of cases) {
      const sql = await inSql(literal, type);
      expect(sql, literal).toMatch(/^[0-9a-f]{64}$/);
      for (const value of values) {
        expect(maskValue(value, 'hash', salt, type), literal).toBe(sql);
        expect(maskValue(value, 'hash', salt), `${literal} without a type`).toBe(sql);
        expect(hashValue(value, salt), literal).toBe(sql);
      }
    }
  });

  it('nulls doubles, decimals, dates, timestamps and binary in both, whose text differs between them', async () => {
    const cases: [string, DataType, unknown[]][] = [
      ['5100.0::DOUBLE', primitive('double'), [5100, 5100.0]],
      ['0.1::FLOAT', primitive('float'), [0.1]],
      ['12.50::DECIMAL(10,2)', decimal(10, 2), [12.5, '12.50']],
      ["DATE '2024-05-01'", primitive('date'), ['2024-05-01', new Date('2024-05-01')]],
      ["TIMESTAMPTZ '2024-05-01 10:00:00+00'", primitive('timestamp'), ['2024-05-01T10:00:00Z', new Date('2024-05-01T10:00:00Z')]],
      ["TIMESTAMP '2024-05-01 10:00:00'", primitive('timestamp_ntz'), ['2024-05-01T10:00:00']],
      ["'\\x01\\x02'::BLOB", primitive('binary'), [Buffer.from([1, 2])]],
    ];
    for (const [literal, type, values] of cases) {
      expect(await inSql(literal, type), literal).toBeNull();
      for (const value of values) expect(maskValue(value, 'hash', salt, type), literal).toBeNull();
    }
    // Without a type, a value that is no string, safe integer or boolean is nulled too.
    expect(maskValue(5100.5, 'hash', salt)).toBeNull();
    expect(maskValue(new Date('2024-05-01T10:00:00Z'), 'hash', salt)).toBeNull();
    expect(maskValue(Buffer.from([1, 2]), 'hash', salt)).toBeNull();
  });
});
