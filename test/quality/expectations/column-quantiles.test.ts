import { describe, expect, it } from 'vitest';
import { validateRows, type ExpectationSuite } from '../../../src/quality/index.js';
import { quantilePick } from '../../../src/quality/expectations/column-quantiles.js';
import type { StructField } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

/**
 * Quantiles read sorted positions through DuckDB's quantile_disc at fractions chosen for them;
 * on rows whose value is their position, every quantile must come back as the position numpy
 * picks, however many rows there are.
 */
const fixture = tableFixture();
const fields: StructField[] = [{ name: 'x', type: { kind: 'primitive', name: 'long' }, nullable: true, metadata: {} }];
const QUANTILES = [0, 1e-7, 0.001, 0.1, 0.25, 1 / 3, 0.5, 0.6, 2 / 3, 0.75, 0.9, 0.999, 0.9999999, 1];

async function quantilesOf(
  n: number,
  method: string | false,
  extra: Record<string, unknown> = {},
): Promise<{ values: unknown; result: Record<string, unknown> }> {
  // Rows in reverse, with a NULL every 7th row, so order and missing values both matter.
  const source = {
    sql: `SELECT CASE WHEN i % 7 = 3 THEN NULL ELSE v END AS x, i AS _aq_pos FROM (SELECT range AS i, ${n} - 1 - range AS v FROM range(${n}))`,
    fields,
  };
  const suite: ExpectationSuite = {
    name: 'q',
    expectations: [
      {
        type: 'expect_column_quantile_values_to_be_between',
        kwargs: {
          column: 'x',
          quantile_ranges: { quantiles: QUANTILES, value_ranges: QUANTILES.map(() => [null, null]) },
          allow_relative_error: method,
          ...extra,
        },
      },
    ],
  };
  const result = (await validateRows(fixture.engine(), source, suite)).results[0]?.result ?? {};
  return { values: (result['observed_value'] as { values: unknown } | undefined)?.values, result };
}

/** The sorted non-null values of `quantilesOf(n)`: 0..n-1 without those at rows i % 7 == 3 (value n-1-i). */
function sortedValues(n: number): number[] {
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i--) if (i % 7 !== 3) out.push(n - 1 - i);
  return out;
}

describe('quantiles by sorted position', () => {
  for (const n of [1, 2, 3, 4, 10, 11, 1_000, 1_000_003]) {
    it(`reads the position numpy's nearest, lower and higher pick on ${n} rows`, async () => {
      const sorted = sortedValues(n);
      for (const method of ['nearest', 'lower', 'higher'] as const) {
        const { values } = await quantilesOf(n, method);
        const expected = sorted.length === 0 ? QUANTILES.map(() => null) : QUANTILES.map((q) => sorted[quantilePick(sorted.length, q, method).lower]);
        expect(values, method).toEqual(expected);
      }
    }, 120_000);
  }

  it('rounds half positions to the even one, as numpy.around does', () => {
    expect(quantilePick(4, 0.5, 'nearest').lower).toBe(2);
    expect(quantilePick(6, 0.5, 'nearest').lower).toBe(2);
    expect(quantilePick(18, 0.1, 'nearest').lower).toBe(2);
  });
});
