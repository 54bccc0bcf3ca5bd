import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AquiferError } from '../../../src/errors.js';
import {
  defineAggregate,
  defineMap,
  EXPECTATIONS,
  registerExpectation,
  validateRows,
  type ExpectationSuite,
  type SuiteValidationResult,
  type ValidationSource,
} from '../../../src/quality/index.js';
import { field, primitive } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

/**
 * Custom expectations: Aquifer's per-row SQL predicate, GE 1.x's unexpected_rows_expectation
 * (GE runs it on SQL and Spark only, so its shape is pinned from
 * `great_expectations/expectations/core/unexpected_rows_expectation.py`), and expectations
 * registered from TypeScript. Each names a missing column as QUALITY_COLUMN_NOT_FOUND.
 */
const fixture = tableFixture();

/** `n` rows: id 0..n-1, amount = id * 10 - 30 (negative for ids 0..2), note null on every 4th row. */
function rows(n: number): ValidationSource {
  return {
    sql: `SELECT i AS id, i * 10 - 30 AS amount, CASE WHEN i % 4 = 0 THEN NULL ELSE 'n' || i END AS note, 'x' AS _bookkeeping, i AS _aq_pos FROM range(${n}) t(i)`,
    fields: [field('id', primitive('long')), field('amount', primitive('long')), field('note', primitive('string'))],
  };
}

const suite = (type: string, kwargs: Record<string, unknown>): ExpectationSuite => ({ name: 'custom', expectations: [{ type, kwargs }] });

async function run(type: string, kwargs: Record<string, unknown>, resultFormat: unknown = 'COMPLETE', n = 10): Promise<SuiteValidationResult> {
  return validateRows(fixture.engine(), rows(n), suite(type, kwargs), { resultFormat, idColumns: ['id'] });
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof AquiferError) return error.code;
    throw error;
  }
}

describe('aquifer_expect_rows_to_satisfy', () => {
  it('is a per-row expectation, so gates can quarantine by it', () => {
    expect(EXPECTATIONS.get('aquifer_expect_rows_to_satisfy')?.family).toBe('multicolumn_map');
  });

  it('fails every row for which the predicate is not true, a NULL included, and names each', async () => {
    const { results } = await run('aquifer_expect_rows_to_satisfy', { sql: 'amount >= 0 AND note IS NOT NULL', column_list: ['amount', 'note'] });
    const [result] = results;
    expect(result?.success).toBe(false);
    expect(result?.result).toMatchObject({
      element_count: 10,
      unexpected_count: 5,
      missing_count: 0,
      unexpected_percent: 50,
      partial_unexpected_list: [
        { amount: -30, note: null },
        { amount: -20, note: 'n1' },
        { amount: -10, note: 'n2' },
        { amount: 10, note: null },
        { amount: 50, note: null },
      ],
      unexpected_index_list: [
        { amount: -30, note: null, id: 0 },
        { amount: -20, note: 'n1', id: 1 },
        { amount: -10, note: 'n2', id: 2 },
        { amount: 10, note: null, id: 4 },
        { amount: 50, note: null, id: 8 },
      ],
    });
    const nulls = await run('aquifer_expect_rows_to_satisfy', { sql: "note <> 'n1'" }, 'SUMMARY');
    expect(nulls.results[0]?.result['unexpected_count']).toBe(4);
  });

  it('passes with mostly when enough rows satisfy the predicate', async () => {
    const { results } = await run('aquifer_expect_rows_to_satisfy', { sql: 'amount >= 0', mostly: 0.7 }, 'BASIC');
    expect(results[0]?.success).toBe(true);
    expect(results[0]?.result['unexpected_count']).toBe(3);
  });

  it('names a column the predicate uses that the data lacks as QUALITY_COLUMN_NOT_FOUND', async () => {
    expect(await codeOf(run('aquifer_expect_rows_to_satisfy', { sql: 'amount > no_such_column' }))).toBe('QUALITY_COLUMN_NOT_FOUND');
    expect(await codeOf(run('aquifer_expect_rows_to_satisfy', { sql: 'amount > 0', column_list: ['nope'] }))).toBe('QUALITY_COLUMN_NOT_FOUND');
  });
});

describe('unexpected_rows_expectation (GE 1.x)', () => {
  it('succeeds when the query returns no rows, with the count as observed_value', async () => {
    const { results } = await run('unexpected_rows_expectation', { unexpected_rows_query: 'SELECT * FROM {batch} WHERE amount < -100;' });
    expect(results[0]?.success).toBe(true);
    expect(results[0]?.result).toEqual({ observed_value: 0, details: { unexpected_rows: [] } });
  });

  it('gives the count, and with COMPLETE the first 200 rows as {column: value} without bookkeeping columns', async () => {
    const query = 'SELECT * FROM {batch} WHERE amount >= 0 ORDER BY id';
    const complete = await run('unexpected_rows_expectation', { unexpected_rows_query: query }, 'COMPLETE', 300);
    expect(complete.results[0]?.success).toBe(false);
    expect(complete.results[0]?.result['observed_value']).toBe(297);
    const details = complete.results[0]?.result['details'] as { unexpected_rows: Record<string, unknown>[] };
    expect(details.unexpected_rows).toHaveLength(200);
    expect(details.unexpected_rows[0]).toEqual({ id: 3, amount: 0, note: 'n3' });
    const summary = await run('unexpected_rows_expectation', { unexpected_rows_query: query }, 'SUMMARY', 300);
    expect(summary.results[0]?.result).toEqual({ observed_value: 297 });
    const booleanOnly = await run('unexpected_rows_expectation', { unexpected_rows_query: query }, 'BOOLEAN_ONLY', 300);
    expect(booleanOnly.results[0]).toMatchObject({ success: false, result: {} });
  });

  it("reads {{ and }} as literal braces and refuses any placeholder but {batch}, as Python's str.format does", async () => {
    const braces = await run('unexpected_rows_expectation', { unexpected_rows_query: "SELECT * FROM {batch} WHERE note = '{{n1}}'" }, 'SUMMARY');
    expect(braces.results[0]?.result).toEqual({ observed_value: 0 });
    const literal = await run('unexpected_rows_expectation', { unexpected_rows_query: "SELECT {{'a': id}} AS s FROM {batch} WHERE id = 1" }, 'SUMMARY');
    expect(literal.results[0]?.result).toEqual({ observed_value: 1 });
    expect(await codeOf(run('unexpected_rows_expectation', { unexpected_rows_query: 'SELECT * FROM {table}' }))).toBe('QUALITY_SUITE_INVALID');
    expect(await codeOf(run('unexpected_rows_expectation', { unexpected_rows_query: 'SELECT * FROM {batch} WHERE x = }' }))).toBe('QUALITY_SUITE_INVALID');
  });

  it('names a column the query uses that the data lacks as QUALITY_COLUMN_NOT_FOUND', async () => {
    expect(await codeOf(run('unexpected_rows_expectation', { unexpected_rows_query: 'SELECT * FROM {batch} WHERE missing_col > 0' }))).toBe(
      'QUALITY_COLUMN_NOT_FOUND',
    );
  });
});

describe('registerExpectation', () => {
  const evenKwargs = z.strictObject({ column: z.string(), mostly: z.number().default(1) });
  registerExpectation(
    'test_expect_column_values_to_be_even',
    defineMap<z.infer<typeof evenKwargs>>({
      family: 'column_map',
      kwargs: evenKwargs,
      columns: (k) => [k.column],
      considered: (k) => `"${k.column}" IS NOT NULL`,
      unexpected: (k) => `"${k.column}" % 2 <> 0`,
    }),
  );
  const total = z.strictObject({ column: z.string(), at_most: z.number() });
  registerExpectation(
    'test_expect_column_total_at_most',
    defineAggregate<z.infer<typeof total>>({
      family: 'column_aggregate',
      kwargs: total,
      columns: (k) => [k.column],
      metrics: (k) => ({ total: `sum("${k.column}")` }),
      evaluate: (k, metrics) => {
        const observed = Number(metrics['total']);
        return { success: observed <= k.at_most, result: { observed_value: observed } };
      },
    }),
  );

  it('evaluates a registered per-row expectation in the same pass, with GE result shape', async () => {
    const { results } = await run('test_expect_column_values_to_be_even', { column: 'id' }, 'COMPLETE', 5);
    expect(results[0]?.success).toBe(false);
    expect(results[0]?.result).toMatchObject({ element_count: 5, unexpected_count: 2, unexpected_list: [1, 3], unexpected_index_list: [{ id: 1 }, { id: 3 }] });
  });

  it('evaluates a registered aggregate expectation', async () => {
    const { results } = await run('test_expect_column_total_at_most', { column: 'amount', at_most: 200 }, 'SUMMARY', 10);
    expect(results[0]).toMatchObject({ success: true, result: { observed_value: 150 } });
  });

  it('names a column the data lacks as QUALITY_COLUMN_NOT_FOUND, not as a result', async () => {
    expect(await codeOf(run('test_expect_column_values_to_be_even', { column: 'nope' }))).toBe('QUALITY_COLUMN_NOT_FOUND');
    expect(await codeOf(run('test_expect_column_total_at_most', { column: 'nope', at_most: 1 }))).toBe('QUALITY_COLUMN_NOT_FOUND');
  });

  it('refuses a type that already exists or is not a name', () => {
    const again = (): void => registerExpectation('expect_column_values_to_be_unique', EXPECTATIONS.get('expect_column_values_to_be_unique') as never);
    expect(again).toThrow(expect.objectContaining({ code: 'QUALITY_SUITE_INVALID' }));
    expect(() => registerExpectation('Bad Name', EXPECTATIONS.get('expect_column_values_to_be_unique') as never)).toThrow(
      expect.objectContaining({ code: 'QUALITY_SUITE_INVALID' }),
    );
  });
});
