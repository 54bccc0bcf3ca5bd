import { describe, expect, it } from 'vitest';
import { renderValidationReport, validate, type ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';
import { expectSelfContained } from '../../support/self-contained-html.js';

const fixture = tableFixture();

const HOSTILE = '<script>alert(1)</script>';

/** 100 rows: ids 0..99, a name that is markup on every row, a score that is null on every 10th and over 50 from 51 on. */
async function table(): Promise<DeltaTable> {
  const sql = `SELECT i AS id, '${HOSTILE}' || i AS name, CASE WHEN i % 10 = 0 THEN NULL ELSE i END AS score FROM range(100) t(i)`;
  return (await DeltaTable.create(fixture.location(), { engine: fixture.engine(), data: { sql } })).table;
}

const suite: ExpectationSuite = {
  name: 'report_suite',
  expectations: [
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'score' } },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'score', min_value: 0, max_value: 50 } },
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'name' } },
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 10 } },
    { type: 'expect_column_mean_to_be_between', kwargs: { column: 'missing_column', min_value: 0 } },
  ],
};

describe('renderValidationReport', () => {
  it('renders one self-contained page with the outcome, statistics and every expectation with its kwargs', async () => {
    const result = await validate(await table(), suite, { resultFormat: 'COMPLETE', idColumns: ['id'] });
    const html = renderValidationReport(result);
    expectSelfContained(html);
    expect(html).toContain('suite failed');
    expect(html).toMatch(/<dt>expectations<\/dt><dd>5<\/dd>/);
    expect(html).toMatch(/<dt>successful<\/dt><dd>1<\/dd>/);
    for (const e of suite.expectations) expect(html).toContain(e.type);
    expect(html).toContain('<dt>max_value</dt><dd><code>50</code></dd>');
    // The row count's observed value, and the missing column's error.
    expect(html).toContain('<dt>observed_value</dt><dd><code>100</code></dd>');
    expect(html).toContain('missing_column does not exist');
  });

  it('shows the failing values and rows, keyed by the id columns, capped at maxRows with how many more', async () => {
    const result = await validate(await table(), suite, { resultFormat: 'COMPLETE', idColumns: ['id'] });
    const html = renderValidationReport(result, { maxRows: 5 });
    const between = html.slice(html.indexOf('<section id="e2">'), html.indexOf('<section id="e3">'));
    // score > 50 on 51..99 except 60, 70, 80, 90: 45 rows.
    expect(between).toContain('<dt>unexpected_count</dt><dd><code>45</code></dd>');
    expect(between).toContain('<th>score</th><th>id</th>');
    expect(between).toContain('<td><code>51</code></td><td><code>51</code></td>');
    expect(between).toContain('5 of 45 failing rows shown; 40 more not shown.');
    expect(between).toContain('5 of 45 failing values shown; 40 more not shown.');
    expect(between).not.toContain('<code>56</code>');
  });

  it('escapes every value, so markup in the data renders as text', async () => {
    const hostile: ExpectationSuite = { name: 'hostile', expectations: [{ type: 'expect_column_values_to_be_null', kwargs: { column: 'name' } }] };
    const result = await validate(await table(), hostile, { resultFormat: 'SUMMARY' });
    const html = renderValidationReport(result, { title: `Report ${HOSTILE}` });
    expectSelfContained(html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;0');
    expect(html).toContain('<title>Report &lt;script&gt;alert(1)&lt;/script&gt;</title>');
  });

  it('stays bounded: long values are cut and expectations past the limit only counted', async () => {
    const long = 'x'.repeat(10_000);
    const result = await validate(
      await table(),
      {
        name: 'long',
        expectations: Array.from({ length: 30 }, () => ({
          type: 'expect_column_values_to_be_between',
          kwargs: { column: 'score', min_value: 0, max_value: 1, description: long },
        })),
      },
      { resultFormat: 'COMPLETE' },
    );
    const html = renderValidationReport(result, { maxExpectations: 10 });
    expect(html).not.toContain('x'.repeat(201));
    expect(html).toContain('10 of 30 expectations shown; 20 more not shown.');
    expect(html.length).toBeLessThan(200_000);
  });
});
