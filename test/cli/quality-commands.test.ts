import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { EXPECTATIONS, type SuiteValidationResult } from '../../src/quality/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { expectSameAsGe, pairWithGe } from '../support/ge-parity.js';
import { GeReference, geReferenceAvailable, type GeSuite } from '../support/ge-reference.js';
import { referencePython } from '../support/reference-readers.js';
import { expectSelfContained } from '../support/self-contained-html.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let project: Project;

/** A suite as GE 1.x's `suite.to_json_dict()` writes it, with the keys Aquifer carries but does not use. */
const geSuite = {
  name: 'orders_checks',
  id: '4f1c2a9e-0000-4000-8000-000000000001',
  meta: { great_expectations_version: '1.24.1' },
  notes: null,
  expectations: [
    { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'amount' }, meta: {}, id: 'e1', severity: 'critical', rendered_content: [] },
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 100 }, meta: {}, id: 'e2' },
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 }, meta: {}, id: 'e3' },
  ],
};

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-quality-');
  project = await Project.init(path.join(dir, 'project'));
  const engine = await Engine.create({ threads: 1 });
  try {
    await DeltaTable.create(project.tablePath('orders'), {
      engine,
      data: { sql: `SELECT i::BIGINT AS id, CASE WHEN i = 2 THEN NULL WHEN i IN (4, 7) THEN 250 ELSE i END::DOUBLE AS amount FROM range(10) t(i)` },
      preserveOrder: true,
    });
  } finally {
    engine.close();
  }
  await writeFile(path.join(dir, 'suite.json'), JSON.stringify(geSuite));
});

const cli = (...args: string[]) => runCli([...args, '--project', project.root]);

describe('aquifer quality', () => {
  it("imports a GE 1.x suite file, lists it and shows it in GE's suite shape", async () => {
    const imported = await cli('quality', 'import', path.join(dir, 'suite.json'), '--format', 'json');
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ name: 'orders_checks', expectations: 3 });
    const renamed = await cli('quality', 'import', path.join(dir, 'suite.json'), '--name', 'copy');
    expect(renamed.code, renamed.stderr).toBe(0);
    const [suites, shown, types] = await Promise.all([
      cli('quality', 'suites', '--format', 'json'),
      cli('quality', 'show', 'orders_checks', '--format', 'json'),
      runCli(['quality', 'expectations', '--format', 'json']),
    ]);
    expect(JSON.parse(suites.stdout)).toEqual([
      { name: 'copy', expectations: 3, action: 'block' },
      { name: 'orders_checks', expectations: 3, action: 'block' },
    ]);
    const suite = JSON.parse(shown.stdout) as typeof geSuite;
    expect(suite.name).toBe('orders_checks');
    expect(suite.expectations.map((e) => [e.type, e.kwargs, e.id])).toEqual(geSuite.expectations.map((e) => [e.type, e.kwargs, e.id]));
    expect((JSON.parse(types.stdout) as { type: string }[]).map((t) => t.type).sort()).toEqual([...EXPECTATIONS.keys()].sort());
  });

  it('refuses a suite with an unknown type or bad kwargs with QUALITY_SUITE_INVALID, exit 1, and writes nothing', async () => {
    const unknown = path.join(dir, 'unknown.json');
    const badKwargs = path.join(dir, 'bad-kwargs.json');
    await writeFile(unknown, JSON.stringify({ name: 'unknown', expectations: [{ type: 'expect_the_moon_to_be_cheese', kwargs: {} }] }));
    await writeFile(
      badKwargs,
      JSON.stringify({ name: 'bad', expectations: [{ type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 'x', colour: 1 } }] }),
    );
    for (const file of [unknown, badKwargs]) {
      const answer = await cli('quality', 'import', file);
      expect(answer.code, file).toBe(1);
      expect(answer.stderr).toMatch(/^error QUALITY_SUITE_INVALID: /);
      expect(answer.stderr).toMatch(/\nhint: /);
    }
    const notJson = path.join(dir, 'broken.json');
    await writeFile(notJson, '{"name": ');
    expect((await cli('quality', 'import', notJson)).stderr).toMatch(/^error QUALITY_SUITE_INVALID/);
    expect(JSON.parse((await cli('quality', 'suites', '--format', 'json')).stdout).map((s: { name: string }) => s.name)).not.toContain('unknown');
    const missing = await cli('quality', 'show', 'nope');
    expect([missing.code, missing.stderr.split(':')[0]]).toEqual([1, 'error QUALITY_SUITE_NOT_FOUND']);
  });

  it("validates a table with --format json in GE's result shape, exits 1 when the suite fails, and keeps results and failures", async () => {
    await cli('quality', 'import', path.join(dir, 'suite.json'));
    const answer = await cli(
      'quality',
      'validate',
      'orders',
      '--suite',
      'orders_checks',
      '--result-format',
      'COMPLETE',
      '--id-columns',
      'id',
      '--format',
      'json',
    );
    expect(answer.code, answer.stderr).toBe(1);
    const result = JSON.parse(answer.stdout) as SuiteValidationResult;
    expect(Object.keys(result).sort()).toEqual(['id', 'meta', 'results', 'statistics', 'success', 'suite_name', 'suite_parameters']);
    expect(result).toMatchObject({
      success: false,
      suite_name: 'orders_checks',
      statistics: { evaluated_expectations: 3, successful_expectations: 1, unsuccessful_expectations: 2 },
    });
    for (const r of result.results) expect(Object.keys(r).sort()).toEqual(['exception_info', 'expectation_config', 'meta', 'result', 'success']);
    expect(result.results[1]).toMatchObject({
      success: false,
      expectation_config: { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 100 } },
      result: {
        unexpected_count: 2,
        unexpected_index_list: [
          { amount: 250, id: 4 },
          { amount: 250, id: 7 },
        ],
        unexpected_index_column_names: ['id'],
      },
    });
    const meta = result.meta['aquifer'] as { validation_id: string; failing_rows: number; version: number };
    expect(meta).toMatchObject({ validation_id: result.id, failing_rows: 3, version: 0 });
    const engine = await Engine.create({ threads: 1 });
    try {
      const kept = async (name: string) =>
        (await (await DeltaTable.open(path.join(project.root, 'tables', name), { engine })).scan({ where: `validation_id = '${result.id}'` })).count();
      expect([await kept('_quality_results'), await kept('_quality_failures')]).toEqual([3, 3]);
    } finally {
      engine.close();
    }

    const report = path.join(dir, 'orders-report.html');
    const text = await cli('quality', 'validate', 'orders', '--suite', 'orders_checks', '--report', report);
    expect(text.code).toBe(1);
    const html = await readFile(report, 'utf8');
    expectSelfContained(html);
    expect(html).toContain('expect_column_values_to_be_between');
    expect(text.stdout).toContain('FAILED, 1 of 3 expectations met');
    expect(text.stdout).toMatch(/FAIL 1 expect_column_values_to_be_between \(column="amount"\): 2 of 10 rows unexpected/);

    const passing = path.join(dir, 'passing.json');
    await writeFile(passing, JSON.stringify({ name: 'passing', expectations: [geSuite.expectations[2]] }));
    await cli('quality', 'import', passing);
    const passed = await cli('quality', 'validate', path.join(project.root, 'tables', 'orders'), '--suite', 'passing', '--format', 'json');
    expect([passed.code, (JSON.parse(passed.stdout) as SuiteValidationResult).success]).toEqual([0, true]);
  });

  it("validates Aquifer's own tables (a model's prediction log), which it only reads", async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      await DeltaTable.create(project.tablePath('orders__predictions', { internal: true }), {
        engine,
        data: { sql: `SELECT 'r' || i AS request_id, i::BIGINT AS row_index FROM range(3) t(i)` },
      });
    } finally {
      engine.close();
    }
    const suite = path.join(dir, 'log-rows.json');
    await writeFile(suite, JSON.stringify({ name: 'log_rows', expectations: [geSuite.expectations[2]] }));
    await cli('quality', 'import', suite);
    const validated = await cli('quality', 'validate', 'orders__predictions', '--suite', 'log_rows', '--format', 'json');
    expect([validated.code, (JSON.parse(validated.stdout) as SuiteValidationResult).success]).toEqual([0, true]);
  });

  it('checks suites against tables: a column the table lacks is QUALITY_SUITE_COLUMNS_MISSING, exit 1', async () => {
    const typo = path.join(dir, 'typo.json');
    await writeFile(typo, JSON.stringify({ name: 'typo', expectations: [{ type: 'expect_column_values_to_not_be_null', kwargs: { column: 'amuont' } }] }));
    await cli('quality', 'import', typo);
    const good = await cli('quality', 'validate-suites', 'orders_checks', '--table', 'orders', '--format', 'json');
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual([{ suite: 'orders_checks', table: 'orders', problems: [] }]);
    const bad = await cli('quality', 'validate-suites', '--table', 'orders');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL typo on orders\n\s+0 expect_column_values_to_not_be_null: The column amuont does not exist/);
    expect(bad.stderr).toMatch(/^error QUALITY_SUITE_COLUMNS_MISSING/);
  });
});

const ready = geReferenceAvailable();

describe.skipIf(!ready)('aquifer quality validate against GE', () => {
  it("prints, with --format json, GE's own result for the planted-defect table", async () => {
    const python = referencePython() as string;
    const scratch = await tempDir('aquifer-cli-quality-ge-');
    const ge = new GeReference(python, scratch);
    const planted = await ge.writePlantedDefects(scratch);
    const plantedSuite = JSON.parse(await readFile(planted.suite, 'utf8')) as GeSuite;
    const suite = { name: 'planted', expectations: plantedSuite.expectations.filter((e) => EXPECTATIONS.has(e.type)) };
    await writeFile(path.join(scratch, 'planted.json'), JSON.stringify(suite));
    const engine = await Engine.create({ threads: 1 });
    try {
      await DeltaTable.create(project.tablePath('planted'), { engine, data: { files: planted.data }, preserveOrder: true });
    } finally {
      engine.close();
    }
    expect((await cli('quality', 'import', path.join(scratch, 'planted.json'))).code).toBe(0);
    const [answer, reference] = await Promise.all([
      cli('quality', 'validate', 'planted', '--suite', 'planted', '--result-format', 'COMPLETE', '--id-columns', 'id', '--format', 'json'),
      ge.validate(planted.data, suite, { resultFormat: 'COMPLETE', idColumns: ['id'] }),
    ]);
    const ours = JSON.parse(answer.stdout) as SuiteValidationResult;
    expect(answer.code).toBe(reference.success ? 0 : 1);
    expect(ours.statistics).toEqual(reference.statistics);
    for (const { ours: result, ge: theirs } of pairWithGe(ours, reference)) expectSameAsGe(result, theirs);
  }, 300_000);
});
