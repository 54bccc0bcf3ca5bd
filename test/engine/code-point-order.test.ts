import { describe, expect, it } from 'vitest';
import { compareCodePoints } from '../../src/engine/index.js';

describe('compareCodePoints', () => {
  it('puts a character past U+FFFF after U+E000..U+FFFF, as DuckDB and Python do and UTF-16 order does not', () => {
    expect(['😀', '\uFFFD', 'a'].sort(compareCodePoints)).toEqual(['a', '\uFFFD', '😀']);
    expect('😀' < '\uFFFD').toBe(true);
  });

  it('orders a string before the longer strings it begins', () => {
    expect(['ab', 'a', 'abc', ''].sort(compareCodePoints)).toEqual(['', 'a', 'ab', 'abc']);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
});
