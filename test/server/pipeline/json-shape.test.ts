import { describe, expect, it } from 'vitest';
import { checkJsonShape } from '../../../src/server/pipeline/json-shape.js';

const limits = { depth: 3, records: 4 };
const code = (text: string, ndjson = false) => {
  try {
    checkJsonShape(text, limits, ndjson);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('checkJsonShape', () => {
  it('allows nesting up to the depth limit and refuses one level more', () => {
    expect(code('{"a":[{"b":1}]}')).toBe('ok');
    expect(code('{"a":[{"b":[1]}]}')).toBe('HTTP_BODY_TOO_DEEP');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(code('{"a":"[[[[[[\\"[[[[{{{{"}')).toBe('ok');
  });

  it('counts array elements anywhere, not empty arrays or trailing space', () => {
    expect(code('[1, 2, [], [ ] ]')).toBe('ok');
    expect(code('[1, [2], [] ]')).toBe('ok');
    expect(code('[1, 2, [3], [] ]')).toBe('HTTP_TOO_MANY_RECORDS');
    expect(code('[1,2,3,4]')).toBe('ok');
    expect(code('[1,2,3,4,5]')).toBe('HTTP_TOO_MANY_RECORDS');
    expect(code('{"a":[1,2],"b":[3,[4,5]]}')).toBe('HTTP_TOO_MANY_RECORDS');
  });

  it('counts NDJSON lines as records, skipping blank ones', () => {
    expect(code('{"a":1}\n\n{"a":2}\r\n{"a":3}\n{"a":4}\n', true)).toBe('ok');
    expect(code('{}\n{}\n{}\n{}\n{}', true)).toBe('HTTP_TOO_MANY_RECORDS');
  });
});
