/** What both parts of the gate benchmark share (gate-run.ts): the suite, the rows and the report. */
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
export const ROWS_SQL = (rows: number): string => `SELECT i AS event_id,
    CAST(hash(i) % 1000000 AS BIGINT) AS user_id,
    (['view', 'click', 'add_to_cart', 'purchase', 'refund'])[1 + CAST(i % 5 AS INTEGER)] AS event_type,
    (['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL'])[1 + CAST(hash(i * 3) % 8 AS INTEGER)] AS country,
    CAST(hash(i * 7) % 100000 AS DOUBLE) / 100 AS amount,
    CAST(1 + hash(i * 11) % 5 AS INTEGER) AS quantity,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i * 3) AS ts,
    substr(md5(i::VARCHAR), 1, 16) AS session_id,
    'Mozilla/5.0 (' || (['Windows NT 10.0', 'Macintosh', 'X11; Linux x86_64', 'iPhone'])[1 + CAST(hash(i * 17) % 4 AS INTEGER)] || ')' AS user_agent
  FROM range(${rows}) AS t(i)`;

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
