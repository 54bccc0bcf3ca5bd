import { describe, expect, it } from 'vitest';
import { validateRows, type ExpectationSuite } from '../../../src/quality/index.js';
import type { StructField } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

/** What GE's distinct-value results show beyond the parity cases: their caps and their partial_unexpected_count 0. */
const fixture = tableFixture();
const fields: StructField[] = [{ name: 's', type: { kind: 'primitive', name: 'string' }, nullable: true, metadata: {} }];
// 30 distinct values v00..v29, none in the set but 'v05'.
const source = { sql: `SELECT printf('v%02d', range % 30) AS s, range AS _aq_pos FROM range(90)`, fields };

async function resultOf(type: string, valueSet: string[], resultFormat?: unknown): Promise<Record<string, unknown>> {
  const suite: ExpectationSuite = { name: 'd', expectations: [{ type, kwargs: { column: 's', value_set: valueSet } }] };
  const [result] = (await validateRows(fixture.engine(), source, suite, resultFormat === undefined ? {} : { resultFormat })).results;
  return result?.result ?? {};
}

describe('distinct-value results', () => {
  it('counts every distinct value outside the set but lists the first 20, sorted', async () => {
    const result = await resultOf('expect_column_distinct_values_to_equal_set', ['v05', 'zz', 'aa']);
    expect(result['unexpected_count']).toBe(29);
    expect(result['partial_unexpected_list']).toEqual(Array.from({ length: 21 }, (_, i) => `v${String(i).padStart(2, '0')}`).filter((v) => v !== 'v05'));
    expect(result['missing_count']).toBe(2);
    expect(result['partial_missing_list']).toEqual(['aa', 'zz']);
  });

  it('leaves the lists out when partial_unexpected_count is 0, as GE does', async () => {
    const result = await resultOf('expect_column_distinct_values_to_equal_set', ['v05', 'zz'], { result_format: 'SUMMARY', partial_unexpected_count: 0 });
    expect(result).toEqual({ observed_value: null, unexpected_count: 29, missing_count: 1 });
  });
});
