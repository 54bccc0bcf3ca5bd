import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { EXPECTATIONS, validate, type ExpectationSuite, type SuiteValidationResult } from '../../src/quality/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { GeReference, geReferenceAvailable, type GeSuite, type GeValidationResult } from '../support/ge-reference.js';
import { expectSameAsGe, pairWithGe } from '../support/ge-parity.js';
import { referencePython } from '../support/reference-readers.js';
import { tableFixture } from '../support/table-fixture.js';
import { tempDir } from '../support/temp.js';

/**
 * Parity with Great Expectations 1.x on pandas, the anchor (docs/ge-semantics.md): the same
 * suite on the same planted-defect data, through GE itself and through Aquifer on a Delta
 * table made from that data, gives the same success, counts, observed values and failing
 * rows, expectation by expectation.
 */
const ready = geReferenceAvailable();
const fixture = tableFixture();
let engine: Engine;
let suite: GeSuite;
let table: DeltaTable;
let data: string;
let ge: GeReference;

beforeAll(async () => {
  if (!ready) return;
  engine = fixture.engine();
  const python = referencePython();
  if (python === undefined) throw new Error('no reference interpreter');
  const dir = await tempDir('aquifer-ge-parity-');
  ge = new GeReference(python, dir);
  const planted = await ge.writePlantedDefects(dir);
  data = planted.data;
  suite = JSON.parse(await readFile(planted.suite, 'utf8')) as GeSuite;
  ({ table } = await DeltaTable.create(path.join(dir, 'table'), { engine, data: { files: planted.data }, preserveOrder: true }));
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
      const reference: GeValidationResult = await ge.validate(data, suite, { resultFormat: format, idColumns });
      const ours: SuiteValidationResult = await validate(table, evaluated(), { resultFormat: format, idColumns });
      expect(ours.results.length).toBeGreaterThan(0);
      for (const { ours: result, ge: theirs } of pairWithGe(ours, reference)) expectSameAsGe(result, theirs);
    }, 120_000);
  }
});
