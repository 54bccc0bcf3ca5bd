import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate, type ExpectationSuite } from '../../../src/quality/index.js';
import type { DeltaTable } from '../../../src/table/index.js';
import { geExpectation as e, geFixture } from '../../support/ge-fixture.js';
import { expectAllSameAsGe, expectSameAsGe, pairWithGe } from '../../support/ge-parity.js';
import type { GeExpectationConfig } from '../../support/ge-reference.js';

/**
 * What the planted table does not cover, against GE itself: to_be_of_type on every Delta
 * type (pandas' dtype depends on the data: an int column with a null is float64, a boolean
 * one object), and the per-row checks that read `str(value)` (regex, lengths) or compare
 * across types (in_set) on numbers, booleans, dates, decimals and timestamps.
 */
const fixture = geFixture('aquifer-ge-types-');
const ready = fixture.ready;
let data: string;
let table: DeltaTable;

// 6 rows; the *_n columns have a null in row 2, so pandas holds them differently.
const COLUMNS = `
  i::TINYINT AS i8, i::SMALLINT AS i16, i::INTEGER AS i32, (i * 1000)::BIGINT AS i64,
  CASE WHEN i = 2 THEN NULL ELSE i * 7 END::BIGINT AS i64_n,
  CASE WHEN i = 2 THEN NULL ELSE i END::SMALLINT AS i16_n,
  (i / 4)::FLOAT AS f32, (i * 1.5)::DOUBLE AS f64,
  i % 2 = 0 AS flag, CASE WHEN i = 2 THEN NULL ELSE i % 2 = 0 END AS flag_n,
  'v' || repeat('é', i) AS s, DATE '2026-01-01' + i::INTEGER AS d, (i * 1.25)::DECIMAL(10, 2) AS dec,
  TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (i) HOUR AS ts, (TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL (i) HOUR) AS tstz,
  ('b' || i)::BLOB AS bin, i AS id`;

const TYPE_NAMES = [
  'int8',
  'int16',
  'int32',
  'int64',
  'int',
  'float32',
  'float64',
  'float',
  'bool',
  'str',
  'object',
  'datetime64',
  'Timestamp',
  'date',
  'Decimal',
  'bytes',
];
const COLUMN_NAMES = ['i8', 'i16', 'i32', 'i64', 'i64_n', 'i16_n', 'f32', 'f64', 'flag', 'flag_n', 's', 'd', 'dec', 'ts', 'tstz', 'bin'];

beforeAll(async () => {
  if (!ready) return;
  data = path.join(fixture.dir(), 'data.parquet');
  // The session's time zone is set for the TIMESTAMPTZ column, so the COPY runs here rather than through fixture.parquet.
  await fixture.engine().run(`SET TimeZone = 'UTC'; COPY (SELECT ${COLUMNS} FROM range(6) t(i) ORDER BY i) TO '${data}' (FORMAT parquet)`);
  table = await fixture.tableOf('table', data);
}, 300_000);

async function expectParity(expectations: GeExpectationConfig[]): Promise<void> {
  const suite = { name: 'types', expectations };
  const reference = await fixture.ge().validate(data, suite, { resultFormat: 'COMPLETE', idColumns: ['id'] });
  const ours = await validate(table, suite as ExpectationSuite, { resultFormat: 'COMPLETE', idColumns: ['id'] });
  expect(ours.results).toHaveLength(expectations.length);
  expectAllSameAsGe(ours, reference);
}

describe.skipIf(!ready)('expectations on every Delta type, against GE 1.x', () => {
  it('to_be_of_type gives GE dtype, or its per-value check on object columns, for every column and type name', async () => {
    await expectParity(COLUMN_NAMES.flatMap((column) => TYPE_NAMES.map((type_) => e('expect_column_values_to_be_of_type', { column, type_ }))));
  }, 120_000);

  it('to_be_in_type_list gives GE dtype check, or its per-value check on object columns, for every column', async () => {
    const lists = [
      ['int64', 'float64'],
      ['int8', 'int16', 'int32'],
      ['str', 'bytes'],
      ['bool', 'date'],
      ['object'],
      ['Timestamp', 'datetime64'],
      ['Decimal', 'no_such_type'],
      ['float32', 'int'],
      ['datetime64[us]'],
      ['M8[ns]', 'DatetimeTZDtype'],
    ];
    await expectParity(COLUMN_NAMES.flatMap((column) => lists.map((type_list) => e('expect_column_values_to_be_in_type_list', { column, type_list }))));
  }, 120_000);

  it('to_be_of_type reports a type name GE does not know as an exception on object columns and a failure on others', async () => {
    const suite = {
      name: 'types',
      expectations: ['s', 'i64', 'flag_n'].map((column) => e('expect_column_values_to_be_of_type', { column, type_: 'no_such_type' })),
    };
    const reference = await fixture.ge().validate(data, suite, { resultFormat: 'COMPLETE', idColumns: ['id'] });
    const ours = await validate(table, suite as ExpectationSuite, { resultFormat: 'COMPLETE', idColumns: ['id'] });
    for (const { ours: result, ge: theirs } of pairWithGe(ours, reference)) {
      // GE keys a failed metric's exception by its MetricConfigurationID; ours says the same flatly.
      const metricFailure = Object.keys(theirs.exception_info).some((k) => k.startsWith('MetricConfigurationID('));
      if (!metricFailure) expectSameAsGe(result, theirs);
      else {
        expect(result.success).toBe(theirs.success);
        expect(result.result).toEqual(theirs.result);
        expect(result.exception_info.raised_exception).toBe(true);
      }
    }
    expect(ours.results.filter((r) => r.exception_info.raised_exception).map((r) => r.expectation_config.kwargs['column'])).toEqual(['s', 'flag_n']);
  }, 120_000);

  it('regex and lengths read str(value): 42.0 for an int column with a null, True for a bool, ISO dates', async () => {
    const regexes: [string, string][] = [
      ['i64', '^\\d+$'],
      ['i64_n', '\\.0$'],
      ['i16_n', '^[0-3]\\.'],
      ['f64', '\\.5$'],
      ['f32', '^0\\.'],
      ['flag', '^True$'],
      ['flag_n', 'ue'],
      ['d', '^2026-01-0[1-3]$'],
      ['dec', '\\.25$'],
      ['s', '^vé{2,}$'],
      ['ts', ' 0[12]:00:00$'],
      ['tstz', '^2026-01-01 0[0-3]:00:00\\+00:00$'],
    ];
    await expectParity([
      ...regexes.map(([column, regex]) => e('expect_column_values_to_match_regex', { column, regex })),
      ...regexes.map(([column, regex]) => e('expect_column_values_to_not_match_regex', { column, regex })),
      ...['i64', 'i64_n', 'f64', 'flag', 's', 'd', 'dec'].map((column) =>
        e('expect_column_value_lengths_to_be_between', { column, min_value: 3, max_value: 4 }),
      ),
      ...['i64_n', 'flag', 's'].map((column) => e('expect_column_value_lengths_to_equal', { column, value: 4 })),
    ]);
  }, 120_000);

  it('in_set and not_in_set match numbers across widths, bools with 1/0, and never strings with numbers', async () => {
    await expectParity([
      e('expect_column_values_to_be_in_set', { column: 'i64_n', value_set: [0, 7.0, 14, '21'] }),
      e('expect_column_values_to_be_in_set', { column: 'f64', value_set: [0, 1.5, 3] }),
      e('expect_column_values_to_be_in_set', { column: 'flag', value_set: [true] }),
      e('expect_column_values_to_be_in_set', { column: 'flag_n', value_set: [1] }),
      e('expect_column_values_to_be_in_set', { column: 's', value_set: ['v', 've', 0] }),
      e('expect_column_values_to_not_be_in_set', { column: 'i32', value_set: [1, 2, 'x'] }),
      e('expect_column_values_to_not_be_in_set', { column: 'dec', value_set: [1.25, 2.5] }),
      e('expect_column_values_to_not_be_in_set', { column: 'ts', value_set: ['2026-01-01 01:00:00'] }),
      e('expect_column_values_to_not_be_in_set', { column: 'tstz', value_set: ['2026-01-01 02:00:00+00:00'] }),
      e('expect_column_values_to_be_in_set', { column: 'd', value_set: ['2026-01-01'] }),
      e('expect_column_values_to_be_unique', { column: 'flag' }),
      e('expect_column_values_to_be_unique', { column: 'flag_n', mostly: 0.1 }),
    ]);
  }, 120_000);
});
