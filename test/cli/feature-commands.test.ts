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

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-features-');
  project = await Project.init(path.join(dir, 'project'));
  const engine = await Engine.create({ threads: 1 });
  try {
    await DeltaTable.create(project.tablePath('stats'), { engine, data: { sql: `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.5::DOUBLE), (2::BIGINT, TIMESTAMPTZ '2024-05-01 11:00:00+00', 0.7::DOUBLE)) AS t(driver_id, ts, rate)` } });
    await engine.run(`COPY (SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-01 12:00:00+00'), (2::BIGINT, TIMESTAMPTZ '2024-05-01 10:30:00+00')) AS t(driver_id, event_timestamp)) TO '${path.join(dir, 'rows.parquet')}' (FORMAT parquet)`);
  } finally {
    engine.close();
  }
  await writeFile(
    project.featuresPath,
    JSON.stringify({
      entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
      featureViews: [{ name: 'stats', entities: ['driver'], source: { kind: 'table', table: 'stats', timestampField: 'ts' }, features: [{ name: 'rate', type: 'double' }] }],
      featureServices: [{ name: 'svc', features: ['stats:rate'] }],
    }),
  );
});

describe('feature commands', () => {
  it('plans and applies definitions, builds and recreates a training set, and materializes', async () => {
    const project_ = ['--project', project.root];
    const plan = await runCli(['plan', ...project_, '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ nextVersion: 1 });
    expect((await runCli(['apply', ...project_])).stdout).toContain('Registry at version 1');

    const created = await runCli(['training-set', 'create', 'training_v1', '--entities', path.join(dir, 'rows.parquet'), '--features', 'svc', '--model', 'ranker:1', ...project_, '--format', 'json']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ rows: 2, features: ['stats:rate'], sources: [{ view: 'stats', version: 0 }] });

    const recreated = await runCli(['training-set', 'recreate', 'training_v1', 'training_v1_again', ...project_, '--format', 'json']);
    expect(recreated.code, recreated.stderr).toBe(0);
    expect(JSON.parse(recreated.stdout)).toMatchObject({ rows: 2 });

    const materialized = await runCli(['materialize', '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z', ...project_, '--format', 'json']);
    expect(materialized.code, materialized.stderr).toBe(0);
    expect(JSON.parse(materialized.stdout)).toEqual([{ view: 'stats', read: 2, written: 2, tableVersion: 0 }]);
  });

  it('refuses definitions that do not match the tables, exiting 1 with the code', async () => {
    const other = await Project.init(path.join(dir, 'broken'));
    await writeFile(other.featuresPath, JSON.stringify({ entities: [], featureViews: [{ name: 'v', entities: ['driver'], source: { kind: 'table', table: 'nope', timestampField: 'ts' }, features: [] }] }));
    const result = await runCli(['apply', '--project', other.root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FEATURE_DEFINITION_INVALID');
    expect((await runCli(['training-set', 'create', 'x', '--entities', 'rows.parquet', '--features', 'svc', '--model', 'nocolon', '--project', project.root])).code).toBe(2);
  });
});
