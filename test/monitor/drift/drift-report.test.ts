import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedEngine } from '../../../src/engine/index.js';
import { driftReport, tableRelation, type DriftOptions, type DriftRelation } from '../../../src/monitor/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

/**
 * driftReport's choices around the statistics (which the parity test proves): which columns
 * it tests and which it leaves out and why, and the typed errors where Evidently would crash
 * or a user asks for something that cannot be served.
 */
const rows = (n: number, select: string): DriftRelation => ({ sql: `SELECT ${select} FROM range(${n}) t(i)`, label: `${n} rows` });

const REFERENCE = rows(
  400,
  `i::DOUBLE AS amount, (i % 4)::BIGINT AS level, (i % 3)::UINTEGER AS code, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
   'note ' || i AS note, ['a', 'b'][i % 2 + 1] AS tag, (i % 3 = 0) AS ok`,
);
const CURRENT = rows(
  300,
  `(i + 100)::DOUBLE AS amount, (i % 4)::BIGINT AS level, (i % 3)::UINTEGER AS code, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
   'note ' || i AS note, ['a', 'b'][i % 2 + 1] AS tag, (i % 3 = 0) AS ok, i AS only_here`,
);

const report = async (options: Partial<DriftOptions> = {}): ReturnType<typeof driftReport> =>
  driftReport(await sharedEngine(), { reference: REFERENCE, current: CURRENT, ...options });

describe('driftReport', () => {
  it("tests the columns Evidently types and lists the others with the reason, in the current data's order", async () => {
    const r = await report();
    expect(r.columns.map((c) => [c.column, c.type, c.method])).toEqual([
      ['amount', 'numeric', 'K-S p_value'],
      ['level', 'categorical', 'chi-square p_value'],
      ['tag', 'categorical', 'Z-test p_value'],
      ['ok', 'categorical', 'Z-test p_value'],
    ]);
    expect(r.skipped.map((s) => s.column)).toEqual(['code', 'flag', 'note', 'only_here']);
    expect(r.skipped.find((s) => s.column === 'note')?.reason).toMatch(/^text/);
    expect(r.reference.rows).toBe(400);
    expect(r.current.rows).toBe(300);
  });

  it('gives a p-value of exactly 1 where the samples agree, and drift where they do not', async () => {
    const r = await report();
    expect(r.columns.find((c) => c.column === 'tag')).toMatchObject({ value: 1, drifted: false });
    expect(r.columns.find((c) => c.column === 'amount')).toMatchObject({ drifted: true });
    expect(r.dataset).toEqual({ drifted_count: 1, drifted_share: 0.25, drift_share: 0.5, drifted: false });
  });

  it('applies a method and threshold asked for one column, and the drift share', async () => {
    const r = await report({ columns: ['amount', 'tag'], perColumn: { amount: { method: 'wasserstein', threshold: 0.5 } }, driftShare: 0.5 });
    expect(r.columns[0]).toMatchObject({ method: 'Wasserstein distance (normed)', threshold: 0.5, drifted: false });
    // 0..399 against 100..399: the area between the CDFs is 5050/400 + 44850/1200 = 50, over the population std of 0..399.
    expect(r.columns[0]!.value).toBeCloseTo(50 / Math.sqrt((400 * 400 - 1) / 12), 12);
    expect(r.dataset.drifted).toBe(false);
  });

  it('refuses a named column Evidently leaves out, one the reference lacks, and an unknown one', async () => {
    await expect(report({ columns: ['note'] })).rejects.toMatchObject({ code: 'DRIFT_COLUMN_UNSUPPORTED' });
    await expect(report({ columns: ['code'] })).rejects.toMatchObject({ code: 'DRIFT_COLUMN_UNSUPPORTED' });
    await expect(report({ columns: ['only_here'] })).rejects.toMatchObject({ code: 'DRIFT_COLUMN_NOT_FOUND' });
    await expect(report({ columns: ['nope'] })).rejects.toMatchObject({ code: 'DRIFT_COLUMN_NOT_FOUND' });
    await expect(report({ perColumn: { nope: { method: 'ks' } } })).rejects.toMatchObject({ code: 'DRIFT_COLUMN_NOT_FOUND' });
  });

  it("refuses methods that do not fit the column's type or sample, and out-of-range options", async () => {
    await expect(report({ perColumn: { tag: { method: 'ks' } } })).rejects.toMatchObject({ code: 'DRIFT_OPTIONS_INVALID' });
    await expect(report({ perColumn: { level: { method: 'wasserstein' } } })).rejects.toMatchObject({ code: 'DRIFT_OPTIONS_INVALID' });
    const tiny = rows(15, 'i::DOUBLE AS x');
    await expect(driftReport(await sharedEngine(), { reference: tiny, current: tiny, perColumn: { x: { method: 'cramer_von_mises' } } })).rejects.toMatchObject(
      {
        code: 'DRIFT_OPTIONS_INVALID',
      },
    );
    await expect(report({ driftShare: 1.5 })).rejects.toMatchObject({ code: 'DRIFT_OPTIONS_INVALID' });
    await expect(report({ perColumn: { amount: { threshold: -1 } } })).rejects.toMatchObject({ code: 'DRIFT_OPTIONS_INVALID' });
  });

  it('fails on an empty side and on a tested column without values, where Evidently crashes', async () => {
    await expect(report({ current: rows(0, 'i::DOUBLE AS amount') })).rejects.toMatchObject({ code: 'DRIFT_SOURCE_EMPTY' });
    const gaps = rows(50, "CASE WHEN i >= 0 THEN 'nan'::DOUBLE END AS amount");
    await expect(report({ reference: gaps, columns: ['amount'] })).rejects.toMatchObject({
      code: 'DRIFT_COLUMN_EMPTY',
      value: { column: 'amount', side: 'reference' },
    });
    await expect(report({ reference: { sql: "SELECT * FROM read_parquet('/nonexistent.parquet')", label: 'missing' } })).rejects.toMatchObject({
      code: 'DRIFT_SOURCE_INVALID',
    });
  });

  it('says why a numeric current column cannot be compared with a text reference, or skips it by default', async () => {
    const text = rows(100, "'x' || i AS amount, (i % 2)::BIGINT AS level");
    await expect(report({ reference: text, columns: ['amount'] })).rejects.toMatchObject({ code: 'DRIFT_COLUMN_UNSUPPORTED' });
    const r = await report({ reference: text });
    expect(r.skipped.find((s) => s.column === 'amount')?.reason).toMatch(/numeric in the current data but VARCHAR in the reference/);
  });

  it('reads a Delta table at a version and with a filter', async () => {
    const dir = await tempDir('aquifer-drift-table-');
    const { table } = await DeltaTable.create(path.join(dir, 'events'), {
      engine: await sharedEngine(),
      data: { sql: 'SELECT i AS id, i::DOUBLE AS amount FROM range(200) t(i)' },
    });
    await table.append({ sql: 'SELECT i AS id, (i + 1000)::DOUBLE AS amount FROM range(200) t(i)' });
    const r = await driftReport(table.engine, {
      reference: await tableRelation(table, { version: 0 }),
      current: await tableRelation(table, { where: 'amount >= 1000' }),
      columns: ['amount'],
    });
    expect(r.reference).toEqual({ source: `${table.location}@0`, rows: 200 });
    expect(r.current).toEqual({ source: `${table.location}@1 WHERE amount >= 1000`, rows: 200 });
    expect(r.columns[0]).toMatchObject({ method: 'K-S p_value', drifted: true });
  });
});
