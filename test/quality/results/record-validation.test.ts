import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../../src/engine/index.js';
import { Project } from '../../../src/project/index.js';
import { FAILURES_TABLE, openQualityTable, qualityTableLocation, RESULTS_TABLE, validateAndRecord, type ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let project: Project;
let table: DeltaTable;

/** Two data files: ids 0-9 then 10-19; amount NULL at ids 3 and 14, out of [0, 100] at 5, 12 and 17. */
const rows = (from: number, to: number) =>
  `SELECT i::BIGINT AS id, CASE WHEN i IN (3, 14) THEN NULL WHEN i IN (5, 12, 17) THEN 500 + i ELSE i * 2 END::DOUBLE AS amount FROM range(${from}, ${to}) t(i)`;

const suite: ExpectationSuite = {
  name: 'amounts',
  expectations: [
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'amount' } },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 100 } },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 1000, mostly: 0.5 } },
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 5 } },
  ],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-quality-results-'), 'project'));
  ({ table } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: rows(0, 10) }, preserveOrder: true }));
  await table.append({ sql: rows(10, 20) }, { preserveOrder: true });
  return () => engine.close();
});

const read = async (name: typeof RESULTS_TABLE | typeof FAILURES_TABLE, where: string) =>
  (await (await openQualityTable(project, engine, name)).scan({ where })).rows();

describe('validateAndRecord', () => {
  it('keeps one row per expectation in _quality_results, with counts and observed values as the result has them', async () => {
    const { result, validationId } = await validateAndRecord(project, table, suite, { tableName: 'events' });
    expect(result.id).toBe(validationId);
    const kept = (await read(RESULTS_TABLE, `validation_id = ${quoteLiteral(validationId)}`)).sort(
      (a, b) => Number(a['expectation_index']) - Number(b['expectation_index']),
    );
    const n = (v: unknown) => (v === null ? null : Number(v));
    expect(
      kept.map((r) => [r['expectation_type'], r['success'], n(r['element_count']), n(r['unexpected_count']), n(r['missing_count']), r['observed_value']]),
    ).toEqual([
      ['expect_column_values_to_not_be_null', false, 20, 2, null, null],
      ['expect_column_values_to_be_between', false, 20, 3, 2, null],
      ['expect_column_values_to_be_between', true, 20, 0, 2, null],
      ['expect_table_row_count_to_be_between', false, null, null, null, '20'],
    ]);
    expect(kept.every((r) => r['suite'] === 'amounts' && r['table_name'] === 'events' && Number(r['table_version']) === 1)).toBe(true);
    expect(JSON.parse(String(kept[1]?.['kwargs']))).toEqual({ column: 'amount', min_value: 0, max_value: 100 });
    expect(qualityTableLocation(project, RESULTS_TABLE)).toBe(path.join(project.root, 'tables', '_quality_results'));
  });

  it('keeps every failing row of each failed per-row expectation, by data file and row index, with its key', async () => {
    const { result, validationId, failingRows } = await validateAndRecord(project, table, suite, { idColumns: ['id'], resultFormat: 'COMPLETE' });
    const failures = await read(FAILURES_TABLE, `validation_id = ${quoteLiteral(validationId)}`);
    const byExpectation = (index: number) => failures.filter((f) => f['expectation_index'] === index);
    // The passing map expectation (mostly) keeps none; the aggregate has no rows to keep.
    expect([0, 1, 2, 3].map((i) => byExpectation(i).length)).toEqual([2, 3, 0, 0]);
    expect(failingRows).toBe(5);
    for (const index of [0, 1]) {
      const unexpected = result.results[index]?.result;
      expect(byExpectation(index).length).toBe(unexpected?.['unexpected_count']);
      // The keys are GE's unexpected_index_list ids; the positions its list without id columns.
      const ids = (unexpected?.['unexpected_index_list'] as { id: number }[]).map((e) => e.id);
      expect(
        byExpectation(index)
          .map((f) => JSON.parse(String(f['key_values'])) as { id: number })
          .map((k) => k.id)
          .sort((a, b) => a - b),
      ).toEqual(ids);
      expect(
        byExpectation(index)
          .map((f) => Number(f['row_position']))
          .sort((a, b) => a - b),
      ).toEqual(ids);
    }
    // Each (file, row index) reads back the failing row itself from the table's data file.
    for (const f of failures) {
      const file = path.join(project.tablePath('events'), String(f['file']));
      const [row] = await engine.query(
        `SELECT id FROM read_parquet(${quoteLiteral(file)}, file_row_number = true) WHERE file_row_number = ${Number(f['row_index'])}`,
      );
      expect(JSON.parse(String(f['key_values']))).toEqual({ id: Number(row?.['id']) });
    }
    expect(new Set(failures.map((f) => f['file'])).size).toBe(2);
  });

  it('keeps all failing rows, far beyond the 200 values a result lists, without reading them back', async () => {
    const { table: big } = await DeltaTable.create(project.tablePath('big'), {
      engine,
      data: { sql: 'SELECT i::BIGINT AS id, (i % 4 = 0) AS flagged FROM range(100000) t(i)' },
    });
    const flagged: ExpectationSuite = {
      name: 'flags',
      expectations: [{ type: 'expect_column_values_to_be_between', kwargs: { column: 'id', max_value: 25_000 } }],
    };
    const { result, validationId, failingRows } = await validateAndRecord(project, big, flagged, { resultFormat: 'BASIC' });
    expect(result.results[0]?.result['unexpected_count']).toBe(74_999);
    expect(failingRows).toBe(74_999);
    const kept = await (await openQualityTable(project, engine, FAILURES_TABLE)).scan({ where: `validation_id = ${quoteLiteral(validationId)}` });
    const [counted] = await engine.query(`SELECT count(*) AS n, count(DISTINCT row_position) AS d FROM (${await kept.sql()})`);
    expect([Number(counted?.['n']), Number(counted?.['d'])]).toEqual([74_999, 74_999]);
  });
});
