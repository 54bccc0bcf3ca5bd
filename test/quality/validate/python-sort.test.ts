import { describe, expect, it } from 'vitest';
import { pythonLess, pythonSort } from '../../../src/quality/validate/python-sort.js';

describe("Python's order for the values GE sorts", () => {
  it('orders text by code point, as Python does, not by UTF-16 unit: U+FF5E before U+1F600', () => {
    // '\u{1F600}' is the surrogate pair D83D DE00, which JavaScript's < puts before U+FF5E.
    expect(pythonLess('\uFF5E', '\u{1F600}')).toBe(true);
    expect(pythonLess('\u{1F600}', '\uFF5E')).toBe(false);
    expect(pythonSort(['\u{1F600}', '\uFF5E', 'a'], pythonLess)).toEqual(['a', '\uFF5E', '\u{1F600}']);
  });
});
