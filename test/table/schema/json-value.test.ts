import { describe, expect, it } from 'vitest';
import { decimal, field, jsonValue, primitive, struct } from '../../../src/table/index.js';

describe('jsonValue', () => {
  it('makes integers that fit a double numbers and keeps wider ones exact strings', () => {
    expect(jsonValue('1', primitive('long'))).toBe(1);
    expect(jsonValue('-9007199254740991', primitive('long'))).toBe(-9007199254740991);
    expect(jsonValue('9007199254740993', primitive('long'))).toBe('9007199254740993');
  });

  it('never touches strings, whatever they look like', () => {
    for (const text of ['02139', '1', '2026-03-01 09:59:59+00', 'NaN']) expect(jsonValue(text, primitive('string'))).toBe(text);
  });

  it('writes timestamps in RFC 3339: UTC with Z, timestamp_ntz without a zone, fractions kept', () => {
    expect(jsonValue('2026-03-01 09:59:59+00', primitive('timestamp'))).toBe('2026-03-01T09:59:59Z');
    expect(jsonValue('2026-03-01 09:59:59.123456+00', primitive('timestamp'))).toBe('2026-03-01T09:59:59.123456Z');
    expect(jsonValue('2026-03-01 09:59:59.5', primitive('timestamp_ntz'))).toBe('2026-03-01T09:59:59.5');
    expect(jsonValue('infinity', primitive('timestamp'))).toBe('infinity');
  });

  it('keeps decimals exact strings and converts inside structs, arrays and maps', () => {
    expect(jsonValue('1.50', decimal(10, 2))).toBe('1.50');
    const type = struct([field('n', primitive('long')), field('at', { kind: 'array', elementType: primitive('timestamp'), containsNull: true })]);
    expect(jsonValue({ n: '2', at: ['2026-03-01 09:59:59+00', null] }, type)).toEqual({ n: 2, at: ['2026-03-01T09:59:59Z', null] });
    const map = { kind: 'map', keyType: primitive('string'), valueType: primitive('long'), valueContainsNull: true } as const;
    expect(jsonValue([{ key: '01', value: '3' }], map)).toEqual([{ key: '01', value: 3 }]);
  });
});
