import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteIdent, quoteLiteral } from '../../src/engine/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});
afterAll(() => engine.close());

describe('strings through the engine', () => {
  it('returns a leading byte order mark as part of the value, in columns, lists and maps', async () => {
    const rows = await engine.query(`SELECT chr(65279) || 'x' AS v, [chr(65279) || 'y'] AS l, map([chr(65279) || 'k'], [1]) AS m`);
    expect(rows[0]?.['v']).toBe('\uFEFFx');
    expect(rows[0]?.['l']).toEqual(['\uFEFFy']);
    expect(JSON.stringify(rows[0]?.['m'], (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).toBe(JSON.stringify([{ key: '\uFEFFk', value: 1 }]));
    expect(await engine.queryJson(`SELECT chr(65279) || 'x' AS v`)).toEqual([{ v: '\uFEFFx' }]);
  });

  it.each(['\0', 'a\0b', '\0\0', "'\0'", 'x'.repeat(10_000) + '\0'])(
    'quotes a literal holding NUL (%j) so DuckDB reads back the same string',
    async (value) => {
      const rows = await engine.query(`SELECT ${quoteLiteral(value)} AS v, length(${quoteLiteral(value)}) AS n`);
      expect(rows[0]?.['v']).toBe(value);
    },
  );

  it('quotes a literal with many NULs without slowing the binder down', async () => {
    const value = 'a\0'.repeat(2000);
    expect((await engine.query(`SELECT ${quoteLiteral(value)} AS v`))[0]?.['v']).toBe(value);
  });

  it.each(['a"b', '"', 'a\\', "'", 'ü😀\u202e', ' '])('quotes the identifier %j', async (name) => {
    const rows = await engine.query(`SELECT 1 AS ${quoteIdent(name)}`);
    expect(Object.keys(rows[0] ?? {})).toEqual([name]);
  });
});
