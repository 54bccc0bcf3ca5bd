import { beforeAll, describe, expect, it } from 'vitest';
import { sharedEngine } from '../../src/engine/index.js';
import { driftReport, fileRelation, isDriftMethodName, type DriftReport } from '../../src/monitor/index.js';
import { evidentlyAvailable, runEvidentlyDrift, type EvidentlyDriftCase, type EvidentlyDriftRun } from '../support/evidently-reference.js';
import { tempDir } from '../support/temp.js';

/**
 * Parity with Evidently's DataDriftPreset, the anchor: on seeded frames of several sizes
 * (200 to 20,000 rows: both sides of its 1000-row cut, equal and unequal, a 12,000-row
 * current against an 800-row reference) and column types (floats with NaN and inf, integers with and without
 * NULLs, strings, booleans, a few distinct numbers, columns Evidently leaves out), with
 * planted drifts and unchanged columns, Aquifer picks the same method per column, gets the
 * same value to 1e-9 relative (1e-12 absolute near 0), the same drifted set and the same
 * dataset verdict, for the default choice and for each method a user can ask for.
 */
const ready = evidentlyAvailable();
let evidently: EvidentlyDriftRun;

beforeAll(async () => {
  if (!ready) return;
  evidently = await runEvidentlyDrift(await tempDir('aquifer-drift-parity-'));
}, 600_000);

const close = (ours: number, theirs: number): boolean =>
  ours === theirs || Math.abs(ours - theirs) <= 1e-12 || Math.abs(ours - theirs) <= 1e-9 * Math.abs(theirs);

async function ours(c: EvidentlyDriftCase): Promise<DriftReport> {
  const perColumn = Object.fromEntries(
    Object.entries(c.per_column_method ?? {}).map(([column, method]) => {
      if (!isDriftMethodName(method)) throw new Error(`unknown method ${method}`);
      return [column, { method }];
    }),
  );
  return driftReport(await sharedEngine(), { reference: fileRelation(c.reference), current: fileRelation(c.current), perColumn });
}

function expectSameAsEvidently(report: DriftReport, c: EvidentlyDriftCase): void {
  expect(report.columns.map((col) => col.column).sort()).toEqual(Object.keys(c.columns).sort());
  const mismatches: string[] = [];
  for (const col of report.columns) {
    const theirs = c.columns[col.column]!;
    const value = theirs.value ?? Number.NaN;
    if (col.method !== theirs.method || col.threshold !== theirs.threshold || col.drifted !== theirs.drifted || !close(col.value, value))
      mismatches.push(`${col.column}: ours ${col.method} ${col.value} (${col.drifted}) / Evidently ${theirs.method} ${value} (${theirs.drifted})`);
  }
  expect(mismatches).toEqual([]);
  expect(report.dataset).toEqual(c.dataset);
}

describe.skipIf(!ready)('drift parity with Evidently DataDriftPreset', () => {
  it('runs Evidently 0.7.23, the version the parity was proven on', () => {
    expect(evidently.evidently).toBe('0.7.23');
  });

  for (const name of ['small_equal', 'small_unequal', 'small_reference_large_current', 'large', 'methods', 'methods_large']) {
    it(`matches Evidently's methods, values, drifted columns and verdict on case ${name}`, async () => {
      const c = evidently.cases.find((x) => x.name === name);
      expect(c).toBeDefined();
      expectSameAsEvidently(await ours(c!), c!);
    }, 120_000);
  }

  it('leaves out the columns Evidently leaves out (unsigned integers, timestamps), saying why', async () => {
    const report = await ours(evidently.cases[0]!);
    expect(report.skipped.map((s) => s.column).sort()).toEqual(['uint_skipped', 'when_skipped']);
  });
});
