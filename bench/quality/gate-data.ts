/** What both parts of the gate benchmark share (gate-run.ts): the suite, the rows and the report. */
import { rowsSql } from '../ingest/file-bench.js';
import type { ExpectationSuite } from '../../src/quality/index.js';

export const SUITE: ExpectationSuite = {
  name: 'events_gate',
  action: 'block',
  expectations: [
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'event_id' } },
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } },
    { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'event_type', value_set: ['view', 'click', 'add_to_cart', 'purchase', 'refund'] } },
    { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'country', value_set: ['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL'] } },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 1000 } },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'quantity', min_value: 1, max_value: 5 } },
    { type: 'expect_column_value_lengths_to_equal', kwargs: { column: 'session_id', value: 16 } },
    { type: 'expect_column_values_to_match_regex', kwargs: { column: 'user_agent', regex: '^Mozilla/5\\.0 \\(' } },
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } },
    { type: 'expect_column_mean_to_be_between', kwargs: { column: 'amount', min_value: 400, max_value: 600 } },
  ],
};

/** `rows` events that all pass SUITE; the same SQL feeds the CSV and the NDJSON, so both parts ingest the same rows. */
export const ROWS_SQL = (rows: number): string =>
  `SELECT event_id, user_id, event_type, country, amount, quantity, ts, session_id, user_agent FROM (${rowsSql(rows)})`;

/** The markdown table of one part: each contender's median time, rows/s and speed against `baseline` (the ungated contender). */
export function gateReport(title: string, rows: number, times: Record<string, { ms: number; samples: number[] }>, baseline: string): string {
  const plain = times[baseline]?.ms ?? NaN;
  const lines = [`\n### ${title}\n`, '| contender | time | rows/s | of the ungated speed | runs (s) |', '| --- | --- | --- | --- | --- |'];
  for (const [name, { ms, samples }] of Object.entries(times)) {
    lines.push(
      `| ${name} | ${(ms / 1000).toFixed(2)} s | ${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} | ${(plain / ms).toFixed(2)}× | ${samples.map((s) => (s / 1000).toFixed(2)).join(' / ')} |`,
    );
  }
  return lines.join('\n');
}
