import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from '../orchestrate/fixture.js';

/** `plan` and `apply` check the pipelines beside the feature definitions: the graph when valid, a typed error naming the asset when not. */
let project: Project;

const VIEW = {
  name: 'stats',
  entities: ['driver'],
  source: { kind: 'table', table: 'stats', timestampField: 'ts' },
  features: [{ name: 'rate', type: 'double' }],
};
const PIPELINE = [
  { name: 'stats_online', kind: 'feature_view', view: 'stats' },
  { name: 'stats_training', kind: 'training_set', features: ['stats:rate'], entities: { sql: 'SELECT driver_id, ts AS event_timestamp FROM stats' } },
];

beforeAll(async () => {
  project = await Project.init(path.join(await tempDir('aquifer-cli-plan-pipelines-'), 'project'));
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
    JSON.stringify({ entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }], featureViews: [VIEW] }),
  );
});

describe('plan and apply with pipelines', () => {
  const at = () => ['--project', project.root];

  it('shows the asset graph of valid pipelines, in text and JSON, and applies', async () => {
    await writeAssets(project, 'features', PIPELINE);
    const text = await runCli(['plan', ...at()]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Pipelines (pipelines/*.json) are valid: 2 assets:');
    expect(text.stdout).toContain('├── stats_online (feature_view)\n  │   └── stats_training (training_set)');
    const json = JSON.parse((await runCli(['plan', ...at(), '--format', 'json'])).stdout) as { pipelines: { valid: boolean; edges: unknown[] } };
    expect(json.pipelines.valid).toBe(true);
    expect(json.pipelines.edges).toEqual([
      { from: 'stats', to: 'stats_online' },
      { from: 'stats', to: 'stats_training' },
      { from: 'stats_online', to: 'stats_training' },
    ]);
    const apply = await runCli(['apply', ...at(), '--format', 'json']);
    expect(apply.code, apply.stderr).toBe(0);
    expect(JSON.parse(apply.stdout)).toMatchObject({ applied: true, pipelines: { valid: true } });
  });

  it.each([
    ['an unknown input', [{ name: 'daily', kind: 'sql', sql: 'SELECT * FROM nowhere' }], 'ASSET_DEPENDENCY_UNKNOWN', 'daily'],
    ['an unknown feature view', [{ name: 'online', kind: 'feature_view', view: 'missing' }], 'ASSET_REFERENCE_UNKNOWN', 'online'],
    [
      'a cycle',
      [
        { name: 'a', kind: 'sql', sql: 'SELECT * FROM b' },
        { name: 'b', kind: 'typescript', module: 'b.mjs', reads: ['a'] },
      ],
      'ASSET_CYCLE',
      'a → b → a',
    ],
    [
      'a duplicate',
      [
        { name: 'twice', kind: 'sql', sql: 'SELECT * FROM stats' },
        { name: 'Twice', kind: 'model', trainingSet: 'stats', command: ['true'] },
      ],
      'ASSET_DUPLICATE',
      'Twice',
    ],
  ])('refuses %s as a typed error naming the asset: plan exits 1, apply refuses', async (_what, assets, code, named) => {
    await writeAssets(project, 'features', assets);
    const plan = await runCli(['plan', ...at()]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain(`! ${code}:`);
    expect(plan.stdout).toContain(named);
    const apply = await runCli(['apply', ...at(), '--format', 'json']);
    expect(apply.code).toBe(1);
    expect(JSON.parse(apply.stdout)).toMatchObject({ applied: false, error: { code } });
    await writeAssets(project, 'features', PIPELINE);
  });
});
