import { describe, expect, it } from 'vitest';
import { jsonArrayElements } from '../../../src/ingest/index.js';

describe('jsonArrayElements', () => {
  it("gives each element's own text, digits and spacing inside it untouched", () => {
    expect(jsonArrayElements(' [ {"a": 9007199254740993,  "b": 1e400} ,\n"x", 3.0,null, [1, [2]] ] ')).toEqual([
      '{"a": 9007199254740993,  "b": 1e400}',
      '"x"',
      '3.0',
      'null',
      '[1, [2]]',
    ]);
  });

  it('is not fooled by brackets, braces, commas and escaped quotes inside strings', () => {
    const elements = ['{"s": "],[{\\"}\\\\"}', '"\\\\"', '{"k,]": "\\u0000"}'];
    expect(jsonArrayElements(`[${elements.join(',')}]`)).toEqual(elements);
    expect(elements.map((e) => JSON.parse(e) as unknown)).toBeTruthy();
  });

  it('gives no element for an empty array', () => {
    expect(jsonArrayElements('[]')).toEqual([]);
    expect(jsonArrayElements('[ \n ]')).toEqual([]);
  });
});
