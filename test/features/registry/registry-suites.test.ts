import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { FeatureRegistry, type FeatureRepository } from '../../../src/features/index.js';
import { Project } from '../../../src/project/index.js';
import { setGate, suitePath, writeSuite, type ExpectationConfig } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;

const repository = (): FeatureRepository => ({
  entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
  featureViews: [
    { name: 'stats', entities: ['driver'], source: { kind: 'table', table: 'stats', timestampField: 'ts' }, features: [{ name: 'rate', type: 'double' }] },
  ],
});

const notNull: ExpectationConfig = { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'driver_id' } };
const rateBetween: ExpectationConfig = { type: 'expect_column_values_to_be_between', kwargs: { column: 'rate', min_value: 0, max_value: 1 } };

/** A project with the `stats` table and `suite` attached to it as its gate. */
async function projectWith(expectations: ExpectationConfig[]): Promise<Project> {
  const created = await Project.init(await tempDir('aquifer-registry-suites-'));
  await DeltaTable.create(created.tablePath('stats'), {
    engine,
    data: { sql: `SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS ts, 0.5::DOUBLE AS rate, 'x' AS label` },
  });
  await writeSuite(created, { name: 'stats_checks', expectations });
  await setGate(created, 'stats', 'stats_checks');
  // The gate is read from aquifer.json when the project opens.
  return Project.open(created.root);
}

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});
afterAll(() => engine.close());

describe('quality suites in plan and apply', () => {
  it('lists a valid suite as added and records it, with its digest and the tables it gates, in the new version', async () => {
    const project = await projectWith([notNull, rateBetween]);
    const registry = new FeatureRegistry(project);
    const plan = await registry.plan(repository(), engine);
    expect(plan.problems).toEqual([]);
    expect(plan.added).toContain('suite stats_checks');
    const { entry } = await registry.apply(repository(), engine);
    expect(entry.version).toBe(1);
    const recorded = (await registry.get(1)).suites?.['stats_checks'];
    expect(recorded).toMatchObject({ tables: ['stats'], digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(recorded?.suite).toMatchObject({ name: 'stats_checks', expectations: [{ type: notNull.type }, { type: rateBetween.type }] });
    expect(await registry.plan(repository(), engine)).toMatchObject({ added: [], changed: [], removed: [], nextVersion: 1 });
  });

  it('shows an edited suite as changed and a deleted one as removed, each applied as a new version', async () => {
    const project = await projectWith([notNull]);
    const registry = new FeatureRegistry(project);
    const first = (await registry.apply(repository(), engine)).entry;
    await writeSuite(project, { name: 'stats_checks', expectations: [notNull, rateBetween] });
    const changed = await registry.plan(repository(), engine);
    expect(changed).toMatchObject({ added: [], changed: ['suite stats_checks'], removed: [], nextVersion: 2, problems: [] });
    const second = (await registry.apply(repository(), engine)).entry;
    expect(second.suites?.['stats_checks']?.digest).not.toBe(first.suites?.['stats_checks']?.digest);

    await writeSuite(project, { name: 'spare', expectations: [notNull] });
    await registry.apply(repository(), engine);
    await rm(suitePath(project, 'spare'));
    expect(await registry.plan(repository(), engine)).toMatchObject({ removed: ['suite spare'], nextVersion: 4 });
  });

  it('reports an expectation naming a column its table lacks, and apply refuses naming suite, expectation and column', async () => {
    const project = await projectWith([notNull, { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } }]);
    const registry = new FeatureRegistry(project);
    const plan = await registry.plan(repository(), engine);
    expect(plan.problems).toEqual([
      {
        suite: 'stats_checks',
        table: 'stats',
        expectation: 1,
        type: 'expect_column_values_to_not_be_null',
        column: 'user_id',
        message: expect.stringContaining('user_id'),
      },
    ]);
    const refused = registry.apply(repository(), engine);
    await expect(refused).rejects.toMatchObject({
      code: 'QUALITY_SUITE_NOT_APPLICABLE',
      value: [{ suite: 'stats_checks', expectation: 1, column: 'user_id' }],
      hint: expect.stringContaining('quality/'),
    });
    expect(await registry.latest()).toBeUndefined();
  });

  it.each([
    ['a mean of a string column', { type: 'expect_column_mean_to_be_between', kwargs: { column: 'label', min_value: 0 } }],
    ['numeric bounds on a string column', { type: 'expect_column_values_to_be_between', kwargs: { column: 'label', min_value: 0 } }],
  ])('reports %s: a type the expectation cannot take', async (_, expectation) => {
    const project = await projectWith([expectation]);
    const plan = await new FeatureRegistry(project).plan(repository(), engine);
    expect(plan.problems).toMatchObject([
      { suite: 'stats_checks', table: 'stats', expectation: 0, column: 'label', message: expect.stringMatching(/string|VARCHAR/) },
    ]);
  });

  it('reports every invalid expectation of a suite attached to no table, by its index', async () => {
    const project = await projectWith([notNull]);
    await writeSuite(project, {
      name: 'loose',
      expectations: [
        { type: 'expect_column_values_to_be_between', kwargs: { column: 'rate', min_vale: 0 } },
        notNull,
        { type: 'expect_column_to_be_purple', kwargs: { column: 'rate' } },
      ],
    });
    const plan = await new FeatureRegistry(project).plan(repository(), engine);
    expect(plan.problems).toMatchObject([
      { suite: 'loose', table: null, expectation: 0, column: 'rate', message: expect.stringMatching(/^Expectation 0 of suite loose/) },
      { suite: 'loose', table: null, expectation: 2, type: 'expect_column_to_be_purple' },
    ]);
  });

  it('reports a custom SQL expectation naming a missing column, with that column', async () => {
    const project = await projectWith([notNull, { type: 'aquifer_expect_rows_to_satisfy', kwargs: { sql: 'speed > 0' } }]);
    const plan = await new FeatureRegistry(project).plan(repository(), engine);
    expect(plan.problems).toMatchObject([{ suite: 'stats_checks', table: 'stats', expectation: 1, column: 'speed' }]);
  });

  it('reports a gate whose suite file is gone', async () => {
    const project = await projectWith([notNull]);
    await rm(suitePath(project, 'stats_checks'));
    const plan = await new FeatureRegistry(project).plan(repository(), engine);
    expect(plan.problems).toMatchObject([
      { suite: 'stats_checks', table: null, expectation: null, message: expect.stringContaining('QUALITY_SUITE_NOT_FOUND') },
    ]);
  });
});
