import { rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { assetGraph, readAssets, renderAssetDot, renderAssetTree } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { CHAIN, EVENTS_SQL, writeAssets } from './fixture.js';

/** Asset definitions read and checked, and the graph their dependencies make. */
let engine: Engine;
let project: Project;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-asset-graph-'), 'project'));
  await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: EVENTS_SQL } });
  return () => engine.close();
});
beforeEach(() => rm(path.join(project.root, 'pipelines'), { recursive: true, force: true }));

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code: string; message: string; value: unknown },
  );

describe('assetGraph', () => {
  it('has the source table and both assets in topological order, with an edge per dependency', async () => {
    await writeAssets(project, 'shop', [...CHAIN].reverse());
    const graph = await assetGraph(project, { engine });
    expect(graph.assets.map((a) => [a.name, a.kind, a.deps])).toEqual([
      ['events', 'table', []],
      ['clean_events', 'sql', ['events']],
      ['daily_totals', 'sql', ['clean_events']],
    ]);
    expect(graph.assets[1]?.partitions).toEqual({ type: 'daily', column: 'day', start: '2024-05-01' });
    expect(graph.edges).toEqual([
      { from: 'events', to: 'clean_events' },
      { from: 'clean_events', to: 'daily_totals' },
    ]);
    expect(renderAssetTree(graph).split('\n')).toEqual([
      'events (table)',
      '└── clean_events (sql) [daily by day from 2024-05-01]',
      '    └── daily_totals (sql)',
    ]);
    expect(renderAssetDot(graph)).toContain('"events" -> "clean_events";');
  });

  it('adds explicit deps to the tables the SQL reads, and leaves CTE names out', async () => {
    await writeAssets(project, 'a', [CHAIN[0] as Record<string, unknown>]);
    await writeAssets(project, 'b', [{ name: 'report', kind: 'sql', sql: 'WITH events AS (SELECT 1 AS x) SELECT * FROM events', deps: ['clean_events'] }]);
    const graph = await assetGraph(project, { engine });
    expect(graph.assets.find((a) => a.name === 'report')?.deps).toEqual(['clean_events']);
  });

  it('names the asset that reads a table that is neither an asset nor a project table', async () => {
    await writeAssets(project, 'shop', [...CHAIN, { name: 'orphan', kind: 'sql', sql: 'SELECT * FROM events JOIN missing_table USING (id)' }]);
    const error = await failure(assetGraph(project, { engine }));
    expect(error?.code).toBe('ASSET_DEPENDENCY_UNKNOWN');
    expect(error?.value).toEqual({ asset: 'orphan', dependency: 'missing_table' });
  });

  it('names the assets of a cycle', async () => {
    await writeAssets(project, 'loop', [
      { name: 'a', kind: 'sql', sql: 'SELECT * FROM c' },
      { name: 'b', kind: 'sql', sql: 'SELECT * FROM a' },
      { name: 'c', kind: 'sql', sql: 'SELECT * FROM b' },
    ]);
    const error = await failure(assetGraph(project, { engine }));
    expect(error?.code).toBe('ASSET_CYCLE');
    expect([...(error?.value as string[])].sort()).toEqual(['a', 'b', 'c']);
  });

  it('names an asset defined twice, across files and without regard to case', async () => {
    await writeAssets(project, 'one', [CHAIN[0] as Record<string, unknown>]);
    await writeAssets(project, 'two', [{ ...CHAIN[0], name: 'Clean_Events' }]);
    const error = await failure(assetGraph(project, { engine }));
    expect(error?.code).toBe('ASSET_DUPLICATE');
    expect(error?.value).toBe('Clean_Events');
    expect(error?.message).toContain('pipelines/one.json');
  });

  it('names the file and field of a definition that breaks the schema', async () => {
    await writeAssets(project, 'bad', [{ name: 'x', kind: 'sql', sql: 'SELECT 1', partitions: { type: 'daily', column: 'day', start: '2024-13-01' } }]);
    const error = await failure(readAssets(project));
    expect(error?.code).toBe('ASSET_DEFINITION_INVALID');
    expect(error?.value).toEqual({ file: 'pipelines/bad.json', field: 'assets[0].partitions.start' });
  });

  it.each([
    ['a module path outside the project', { name: 'x', kind: 'typescript', module: '../elsewhere.mjs', reads: [] }, 'assets[0].module'],
    ['an absolute ingest path', { name: 'x', kind: 'ingest', files: '/etc/*.csv' }, 'assets[0].files'],
    ['an unknown kind', { name: 'x', kind: 'notebook' }, 'assets[0].kind'],
    ['a model without a command', { name: 'x', kind: 'model', trainingSet: 'events', command: [] }, 'assets[0].command'],
  ])('refuses %s, naming the field', async (_what, asset, field) => {
    await writeAssets(project, 'bad', [asset]);
    const error = await failure(readAssets(project));
    expect(error?.code).toBe('ASSET_DEFINITION_INVALID');
    expect(error?.value).toEqual({ file: 'pipelines/bad.json', field });
  });

  it('refuses partitions on a kind that runs whole, and a feature view the project does not define, naming the asset', async () => {
    await writeAssets(project, 'bad', [
      { name: 'x', kind: 'validation', suite: 's', table: 'events', partitions: { type: 'static', column: 'c', values: ['a'] } },
    ]);
    expect((await failure(assetGraph(project, { engine })))?.value).toEqual({ file: 'pipelines/bad.json', field: 'x.partitions' });
    await writeAssets(project, 'bad', [{ name: 'online', kind: 'feature_view', view: 'nowhere' }]);
    const error = await failure(assetGraph(project, { engine }));
    expect(error?.code).toBe('ASSET_REFERENCE_UNKNOWN');
    expect(error?.value).toEqual({ asset: 'online', feature_view: 'nowhere' });
  });
});
