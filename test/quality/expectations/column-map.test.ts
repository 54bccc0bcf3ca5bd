import { describe, expect, it } from 'vitest';
import { AquiferError } from '../../../src/errors.js';
import { wholeMatchBody } from '../../../src/quality/expectations/column-map.js';
import { validateRows, type ValidationSource } from '../../../src/quality/index.js';
import { field, primitive } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

/** Column map cases GE comparisons elsewhere do not reach (test/quality/expectations/column-types.test.ts covers the types). */
const fixture = tableFixture();

const source: ValidationSource = {
  sql: `SELECT * FROM (VALUES (0, 'a', 1.0), (1, 'a', 'NaN'::DOUBLE), (2, 'b', NULL), (3, NULL, 'NaN'::DOUBLE), (4, 'c', -0.0), (5, 'c', 0.0)) t(id, s, f), LATERAL (SELECT id AS _aq_pos)`,
  fields: [field('id', primitive('integer')), field('s', primitive('string')), field('f', primitive('double'))],
};

async function run(type: string, kwargs: Record<string, unknown>) {
  const result = await validateRows(fixture.engine(), source, { name: 't', expectations: [{ type, kwargs }] }, { resultFormat: 'COMPLETE' });
  return result.results[0];
}

describe('column map expectations', () => {
  it('refuses a regex with lookaround or a backreference, which RE2 cannot run, as an invalid suite', async () => {
    for (const regex of ['a(?=b)', '(?<!x)a', '(a)\\1', '(?P<q>a)(?P=q)']) {
      const error = await run('expect_column_values_to_match_regex', { column: 's', regex }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AquiferError);
      expect((error as AquiferError).code).toBe('QUALITY_SUITE_INVALID');
    }
    expect((await run('expect_column_values_to_match_regex', { column: 's', regex: '(?P<q>[ab])' }))?.result['unexpected_index_list']).toEqual([4, 5]);
  });

  it('flags every copy of a duplicate, never a missing value: NaN is missing, -0.0 equals 0.0', async () => {
    expect((await run('expect_column_values_to_be_unique', { column: 's' }))?.result).toMatchObject({ unexpected_index_list: [0, 1, 4, 5], missing_count: 1 });
    expect((await run('expect_column_values_to_be_unique', { column: 'f' }))?.result).toMatchObject({ unexpected_index_list: [4, 5], missing_count: 3 });
  });

  it('treats a null value_set as met, and set members of another type as never equal', async () => {
    expect((await run('expect_column_values_to_be_in_set', { column: 's', value_set: null }))?.success).toBe(true);
    expect((await run('expect_column_values_to_be_in_set', { column: 'f', value_set: ['1.0', 0] }))?.result['unexpected_index_list']).toEqual([0]);
    expect((await run('expect_column_values_to_not_be_in_set', { column: 's', value_set: [] }))?.success).toBe(true);
  });

  it('runs a pattern anchored at both ends as a full match, with the same verdict on every row as the partial match', async () => {
    expect(wholeMatchBody('^[a-z0-9]+@example\\.com$')).toBe('[a-z0-9]+@example\\.com');
    for (const partial of ['^a|b$', '^a\\$', '^(?i)a$', 'a$', '^a', '^a$\n', '^a$|^b$']) expect(wholeMatchBody(partial)).toBeUndefined();
    const texts = ['a', 'ab', 'a\n', '\na', 'b', '', 'a.b', 'aaa', 'A'];
    const rows: ValidationSource = {
      sql: `SELECT * FROM (VALUES ${texts.map((t, i) => `(${i}, '${t}')`).join(', ')}) t(_aq_pos, s)`,
      fields: [field('s', primitive('string'))],
    };
    for (const regex of ['^a$', '^a+$', '^a.*$', '^$', '^[ab]\\.?b?$', '^a\\\\$']) {
      const [row] = await fixture
        .engine()
        .query(`SELECT list(_aq_pos ORDER BY _aq_pos) FILTER (WHERE NOT regexp_matches(s, '${regex.replaceAll("'", "''")}')) AS failing FROM (${rows.sql})`);
      const result = await validateRows(
        fixture.engine(),
        rows,
        { name: 't', expectations: [{ type: 'expect_column_values_to_match_regex', kwargs: { column: 's', regex } }] },
        { resultFormat: 'COMPLETE' },
      );
      expect(result.results[0]?.result['unexpected_index_list'] ?? [], regex).toEqual(row?.['failing'] ?? []);
    }
  });

  it('reports bounds of another type than the column as an error of that expectation, as GE does, and validates the rest', async () => {
    const result = await validateRows(fixture.engine(), source, {
      name: 't',
      expectations: [
        { type: 'expect_column_values_to_be_between', kwargs: { column: 's', min_value: 0 } },
        { type: 'expect_column_values_to_be_between', kwargs: { column: 'f', max_value: 'z' } },
        { type: 'expect_column_values_to_be_between', kwargs: { column: 'f', min_value: 0 } },
      ],
    });
    expect(result.results.map((r) => [r.success, r.exception_info['raised_exception']])).toEqual([
      [false, true],
      [false, true],
      [true, false],
    ]);
    expect(result.results[0]?.exception_info['exception_message']).toContain('TypeError');
  });
});
