import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let project: Project;
let dir: string;

const suiteFile = (expectations: unknown[]) => JSON.stringify({ name: 'stats_checks', expectations });
const notNull = { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'driver_id' } };

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-plan-suites-');
  project = await Project.init(path.join(dir, 'project'));
  const engine = await Engine.create({ threads: 1 });
  try {
    await DeltaTable.create(project.tablePath('stats'), {
      engine,
      data: { sql: `SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS ts, 0.5::DOUBLE AS rate` },
    });
  } finally {
    engine.close();
  }
  await writeFile(
    project.featuresPath,
    JSON.stringify({
      entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
      featureViews: [
        { name: 'stats', entities: ['driver'], source: { kind: 'table', table: 'stats', timestampField: 'ts' }, features: [{ name: 'rate', type: 'double' }] },
      ],
    }),
  );
});

describe('plan and apply with quality suites', () => {
  const at = () => ['--project', project.root];
  const suitePath = () => path.join(project.root, 'quality', 'stats_checks.json');

  it('plans a valid suite as an addition, applies it, then shows an edit as a change', async () => {
    await writeFile(path.join(dir, 'suite.json'), suiteFile([notNull]));
    expect((await runCli(['quality', 'import', path.join(dir, 'suite.json'), ...at()])).code).toBe(0);
    expect((await runCli(['quality', 'attach', 'stats', '--suite', 'stats_checks', ...at()])).code).toBe(0);

    const plan = await runCli(['plan', ...at(), '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ added: expect.arrayContaining(['suite stats_checks']), problems: [], nextVersion: 1 });

    const apply = await runCli(['apply', ...at(), '--format', 'json']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(JSON.parse(apply.stdout)).toMatchObject({
      applied: true,
      version: 1,
      suites: { stats_checks: { tables: ['stats'], digest: expect.stringMatching(/^[0-9a-f]{64}$/) } },
    });

    await writeFile(suitePath(), suiteFile([notNull, { type: 'expect_column_values_to_be_between', kwargs: { column: 'rate', min_value: 0 } }]));
    const changed = await runCli(['plan', ...at()]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('~ suite stats_checks');
    expect(changed.stdout).toContain('registry version 2');
  });

  it('reports a suite naming a missing column in the plan, and apply refuses with the code in its JSON, exiting 1', async () => {
    await writeFile(suitePath(), suiteFile([notNull, { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } }]));
    const plan = await runCli(['plan', ...at(), '--format', 'json']);
    expect(plan.code).toBe(1);
    expect(JSON.parse(plan.stdout).problems).toMatchObject([{ suite: 'stats_checks', table: 'stats', expectation: 1, column: 'user_id' }]);
    const text = await runCli(['plan', ...at()]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/! suite stats_checks on stats expectation 1 \(expect_column_values_to_not_be_null, column user_id\)/);

    const apply = await runCli(['apply', ...at(), '--format', 'json']);
    expect(apply.code).toBe(1);
    expect(JSON.parse(apply.stdout)).toMatchObject({
      applied: false,
      error: { code: 'QUALITY_SUITE_NOT_APPLICABLE', value: [{ suite: 'stats_checks', expectation: 1, column: 'user_id' }] },
    });
    expect(apply.stderr).toContain('QUALITY_SUITE_NOT_APPLICABLE');
    expect(apply.stderr).toContain('hint:');
  });
});
