import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { onJobRun, withJobRun, type JobRunEvent } from '../../src/observe/index.js';
import { Project } from '../../src/project/index.js';
import {
  compileGate,
  FAILURES_TABLE,
  judgeBatch,
  qualityTableLocation,
  RESULTS_TABLE,
  validate,
  validateAndRecord,
  type ExpectationSuite,
} from '../../src/quality/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let table: DeltaTable;
const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;

/** ids 0-9; amount NULL at 3, else twice the id. */
const ROWS = `SELECT i::BIGINT AS id, CASE WHEN i = 3 THEN NULL ELSE i * 2 END::DOUBLE AS amount FROM range(10) t(i)`;

const suite: ExpectationSuite = {
  name: 'amounts',
  expectations: [
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'amount' } },
    { type: 'expect_column_unique_value_count_to_be_between', kwargs: { column: 'id', min_value: 1 } },
    { type: 'expect_column_min_to_be_between', kwargs: { column: 'amount', min_value: 0 } },
    { type: 'expect_column_max_to_be_between', kwargs: { column: 'amount', max_value: 10 } },
    { type: 'expect_column_mean_to_be_between', kwargs: { column: 'amount', min_value: 0 } },
    { type: 'expect_column_quantile_values_to_be_between', kwargs: { column: 'id', quantile_ranges: { quantiles: [0.5], value_ranges: [[0, 9]] } } },
  ],
};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-quality-runs-'), 'project'));
  ({ table } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: ROWS } }));
});
afterAll(() => engine.close());
afterEach(() => {
  stop?.();
  stop = undefined;
  events.length = 0;
});
const listen = () => {
  stop = onJobRun((event) => events.push(event));
};

const FOUND = {
  rowCount: 10,
  columns: {
    amount: { nullCount: 1, count: 10, min: 0, max: 18 },
    id: { distinctCount: 10, quantiles: { '0.5': 4 } },
  },
  assertions: [
    { assertion: 'expect_column_values_to_not_be_null', success: false, column: 'amount' },
    { assertion: 'expect_column_unique_value_count_to_be_between', success: true, column: 'id' },
    { assertion: 'expect_column_min_to_be_between', success: true, column: 'amount' },
    { assertion: 'expect_column_max_to_be_between', success: false, column: 'amount' },
    { assertion: 'expect_column_mean_to_be_between', success: true, column: 'amount' },
    { assertion: 'expect_column_quantile_values_to_be_between', success: true, column: 'id' },
  ],
};

describe('validation job runs', () => {
  it('reports a validation as a VALIDATION run whose input is the table version with what the suite found', async () => {
    listen();
    await validate(table, suite, { project: project.root });
    const complete = events.filter((e) => e.state === 'COMPLETE');
    expect(complete.map((e) => e.job)).toEqual([{ name: 'quality.validate.amounts', type: 'VALIDATION', project: project.root }]);
    expect(complete[0]?.inputs).toEqual([
      {
        namespace: 'file',
        name: project.tablePath('events'),
        kind: 'table',
        version: '0',
        fields: [
          { name: 'id', type: 'long' },
          { name: 'amount', type: 'double' },
        ],
        dataQuality: FOUND,
      },
    ]);
    expect(complete[0]?.outputs).toEqual([]);
  });

  it('reports a recorded validation as one run that also writes the results and failures tables', async () => {
    listen();
    await validateAndRecord(project, table, suite);
    const complete = events.filter((e) => e.state === 'COMPLETE');
    expect(complete.map((e) => e.job.name)).toEqual(['quality.validate.amounts']);
    expect(complete[0]?.job.project).toBe(project.root);
    expect(complete[0]?.inputs.map((i) => [i.name, i.version, i.dataQuality])).toEqual([[project.tablePath('events'), '0', FOUND]]);
    expect(complete[0]?.outputs.map((o) => [o.name, o.version]).sort()).toEqual(
      [
        [qualityTableLocation(project, FAILURES_TABLE), '1'],
        [qualityTableLocation(project, RESULTS_TABLE), '1'],
      ].sort(),
    );
  });

  it("puts a gate's judgement of a batch on the active run's output for the table", async () => {
    const fields = (await table.snapshot()).schema.fields;
    const gate = compileGate(
      { name: 'rows', expectations: [{ type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1, max_value: 100 } }] },
      fields,
    );
    listen();
    await withJobRun({ name: 'ingest.events', type: 'INGEST' }, () => judgeBatch(engine, gate, ROWS, fields, 'a batch', table.location));
    const complete = events.filter((e) => e.state === 'COMPLETE');
    expect(complete[0]?.outputs).toEqual([
      {
        namespace: 'file',
        name: project.tablePath('events'),
        kind: 'table',
        dataQuality: { rowCount: 10, assertions: [{ assertion: 'expect_table_row_count_to_be_between', success: true }] },
      },
    ]);
  });
});
