import { beforeAll, describe, expect, it } from 'vitest';
import { EXPECTATIONS, validate, type ExpectationSuite, type SuiteValidationResult } from '../../src/quality/index.js';
import type { DeltaTable } from '../../src/table/index.js';
import { geFixture } from '../support/ge-fixture.js';
import { expectAllSameAsGe } from '../support/ge-parity.js';
import type { GeSuite, GeValidationResult } from '../support/ge-reference.js';

/**
 * Parity with Great Expectations 1.x on pandas, the anchor (docs/ge-semantics.md): the same
 * suite on the same planted-defect data, through GE itself and through Aquifer on a Delta
 * table made from that data, gives the same success, counts, observed values and failing
 * rows, expectation by expectation.
 */
const fixture = geFixture('aquifer-ge-parity-');
const ready = fixture.ready;
let suite: GeSuite;
let table: DeltaTable;
let data: string;

beforeAll(async () => {
  if (!ready) return;
  ({ data, suite, table } = await fixture.planted());
}, 300_000);

/** The planted suite's expectations that Aquifer evaluates. */
const evaluated = (): ExpectationSuite => ({ name: suite.name, expectations: suite.expectations.filter((e) => EXPECTATIONS.has(e.type)) });

describe.skipIf(!ready)('parity with GE 1.x on the planted-defect table', () => {
  it("evaluates every expectation of the planted suite (issue 15's list), none left out", () => {
    expect(suite.expectations.map((e) => e.type).filter((type) => !EXPECTATIONS.has(type))).toEqual([]);
    expect(evaluated().expectations).toHaveLength(57);
  });

  for (const [format, idColumns] of [
    ['COMPLETE', ['id']],
    ['COMPLETE', []],
    ['SUMMARY', ['id']],
    ['BASIC', []],
    ['BOOLEAN_ONLY', []],
  ] as const) {
    it(`gives GE's result for every expectation, result_format ${format}${idColumns.length > 0 ? ' with id columns' : ''}`, async () => {
      const reference: GeValidationResult = await fixture.ge().validate(data, suite, { resultFormat: format, idColumns });
      const ours: SuiteValidationResult = await validate(table, evaluated(), { resultFormat: format, idColumns });
      expect(ours.results.length).toBeGreaterThan(0);
      expectAllSameAsGe(ours, reference);
    }, 120_000);
  }
});
