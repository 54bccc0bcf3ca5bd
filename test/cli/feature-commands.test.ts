import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { runCli } from '../support/cli.js';
import { exited } from '../support/processes.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

let project: Project;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-features-');
  project = await Project.init(path.join(dir, 'project'));
  const engine = await Engine.create({ threads: 1 });
  try {
    await DeltaTable.create(project.tablePath('stats'), {
      engine,
      data: {
        sql: `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.5::DOUBLE), (2::BIGINT, TIMESTAMPTZ '2024-05-01 11:00:00+00', 0.7::DOUBLE)) AS t(driver_id, ts, rate)`,
      },
    });
    await engine.run(
      `COPY (SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-01 12:00:00+00'), (2::BIGINT, TIMESTAMPTZ '2024-05-01 10:30:00+00')) AS t(driver_id, event_timestamp)) TO '${path.join(dir, 'rows.parquet')}' (FORMAT parquet)`,
    );
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

    const created = await runCli([
      'training-set',
      'create',
      'training_v1',
      '--entities',
      path.join(dir, 'rows.parquet'),
      '--features',
      'svc',
      '--model',
      'ranker:1',
      ...project_,
      '--format',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ rows: 2, features: ['stats:rate'], sources: [{ view: 'stats', version: 0 }] });

    const recreated = await runCli(['training-set', 'recreate', 'training_v1', 'training_v1_again', ...project_, '--format', 'json']);
    expect(recreated.code, recreated.stderr).toBe(0);
    expect(JSON.parse(recreated.stdout)).toMatchObject({ rows: 2 });
    // Table names follow the project's rules on the command line too: a quarantine's name is reserved.
    const reserved = await runCli(['training-set', 'recreate', 'training_v1', 'training_v1__quarantine', ...project_]);
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toContain('PROJECT_TABLE_NAME_RESERVED');
    expect(existsSync(path.join(project.root, 'tables', 'training_v1__quarantine'))).toBe(false);

    const again = await runCli([
      'training-set',
      'create',
      'training_v1',
      '--entities',
      path.join(dir, 'rows.parquet'),
      '--features',
      'stats:rate',
      ...project_,
      '--format',
      'json',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TABLE_ALREADY_EXISTS');
    const replaced = await runCli([
      'training-set',
      'create',
      'training_v1',
      '--entities',
      path.join(dir, 'rows.parquet'),
      '--features',
      'stats:rate',
      '--overwrite',
      ...project_,
      '--format',
      'json',
    ]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)).toMatchObject({ rows: 2, version: 0 });
    const notATrainingSet = await runCli([
      'training-set',
      'create',
      'stats',
      '--entities',
      path.join(dir, 'rows.parquet'),
      '--features',
      'stats:rate',
      '--overwrite',
      ...project_,
    ]);
    expect(notATrainingSet.code).toBe(1);
    expect(notATrainingSet.stderr).toContain('FEATURE_TRAINING_SET_INVALID');

    // An edit nobody applied is not used: materialize runs on the applied definitions.
    const applied = await readFile(project.featuresPath, 'utf8');
    await writeFile(project.featuresPath, JSON.stringify({ entities: [], featureViews: [{ name: 'stats', ttl: true }] }));
    try {
      const materialized = await runCli(['materialize', '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z', ...project_, '--format', 'json']);
      expect(materialized.code, materialized.stderr).toBe(0);
      expect(JSON.parse(materialized.stdout)).toEqual([{ view: 'stats', read: 2, written: 2, tableVersion: 0 }]);
    } finally {
      await writeFile(project.featuresPath, applied);
    }
  });

  it('refuses to materialize before any definitions were applied', async () => {
    const fresh = await Project.init(path.join(dir, 'unapplied'));
    await writeFile(fresh.featuresPath, await readFile(project.featuresPath, 'utf8'));
    const result = await runCli(['materialize-incremental', '2024-05-02T00:00:00Z', '--project', fresh.root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FEATURE_DEFINITIONS_NOT_APPLIED');
  });

  it('names the field of a malformed definitions file in plan and apply', async () => {
    const other = await Project.init(path.join(dir, 'malformed'));
    await writeFile(
      other.featuresPath,
      JSON.stringify({
        entities: [],
        featureViews: [{ name: 'v', entities: [], source: { kind: 'table', table: 't', timestampField: 'ts' }, features: [], ttl: true }],
      }),
    );
    const result = await runCli(['plan', '--project', other.root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FEATURE_DEFINITION_SHAPE_INVALID');
    expect(result.stderr).toContain('featureViews[0].ttl');
  });

  it('refuses definitions that do not match the tables, exiting 1 with the code', async () => {
    const other = await Project.init(path.join(dir, 'broken'));
    await writeFile(
      other.featuresPath,
      JSON.stringify({
        entities: [],
        featureViews: [{ name: 'v', entities: ['driver'], source: { kind: 'table', table: 'nope', timestampField: 'ts' }, features: [] }],
      }),
    );
    const result = await runCli(['apply', '--project', other.root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FEATURE_DEFINITION_UNKNOWN_ENTITY');
    expect(
      (await runCli(['training-set', 'create', 'x', '--entities', 'rows.parquet', '--features', 'svc', '--model', 'nocolon', '--project', project.root])).code,
    ).toBe(2);
  });

  it('aggregates window features from features.json, and with --follow folds in commits as they land until SIGTERM', async () => {
    const agg = await Project.init(path.join(dir, 'aggregations'));
    const events = (from: number, n: number) => ({
      sql: `SELECT (i % 3)::BIGINT AS user_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(i * 60) AS ts, (i * 1.5)::DOUBLE AS amount FROM range(${from}, ${from + n}) t(i)`,
    });
    const engine = await Engine.create({ threads: 1 });
    try {
      await DeltaTable.create(agg.tablePath('events'), { engine, data: events(0, 30) });
    } finally {
      engine.close();
    }
    await writeFile(
      agg.featuresPath,
      JSON.stringify({
        entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'long' }] }],
        featureViews: [
          {
            name: 'activity',
            entities: ['user'],
            source: { kind: 'table', table: 'events', timestampField: 'ts' },
            aggregation: {
              interval: '5m',
              aggregations: [
                { function: 'count', window: '1h' },
                { function: 'sum', column: 'amount', window: '1h' },
              ],
            },
          },
        ],
      }),
    );
    expect((await runCli(['apply', '--project', agg.root])).code).toBe(0);
    const once = await runCli(['aggregate', '--project', agg.root, '--format', 'json']);
    expect(once.code, once.stderr).toBe(0);
    expect(JSON.parse(once.stdout)).toMatchObject({ view: 'activity', tableVersion: 0, rebuilt: true, entities: 3 });

    const follower = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'aggregate', '--follow', '--poll-ms', '50', '--project', agg.root, '--format', 'json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = createInterface({ input: follower.stdout! })[Symbol.asyncIterator]();
    try {
      expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ view: 'activity', tableVersion: 0, commits: 0 });
      const writer = await Engine.create({ threads: 1 });
      try {
        await (await DeltaTable.open(agg.tablePath('events'), { engine: writer })).append(events(30, 30));
      } finally {
        writer.close();
      }
      expect(JSON.parse((await lines.next()).value as string)).toMatchObject({ view: 'activity', tableVersion: 1, commits: 1, rebuilt: false, entities: 3 });
    } finally {
      follower.kill('SIGTERM');
      await exited(follower);
    }
    expect(follower.exitCode).toBe(0);
  });
});
