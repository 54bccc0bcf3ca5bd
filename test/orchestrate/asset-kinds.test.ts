import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, trainingSetDefinition } from '../../src/features/index.js';
import { openModelStore } from '../../src/models/index.js';
import { assetGraph, assetStatus, runAsset, type AssetRun } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { writeSuite } from '../../src/quality/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { dayOfClicks, land, REPOSITORY, writePipeline } from './asset-kinds-fixture.js';
import { writeAssets } from './fixture.js';

/**
 * The kinds beyond SQL on one real project: files landing in a folder are ingested, cleaned
 * by SQL, materialized as a feature view, joined into a training set and trained into a
 * model by the demo's own training command; a validation and a TypeScript module beside them.
 */
let engine: Engine;
let project: Project;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-asset-kinds-'), 'project'));
  await land(project, 'day-1.csv', dayOfClicks('2024-05-01', 12));
  await writePipeline(project, [{ name: 'clicks_checked', kind: 'validation', suite: 'clicks_checks', table: 'clicks' }]);
  await writeSuite(project, { name: 'clicks_checks', expectations: [{ type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } }] });
  return () => engine.close();
});

const brief = (runs: readonly AssetRun[]) => runs.map((r) => [r.asset, r.status, r.inputs, r.outputVersion]);
const statuses = async () => Object.fromEntries((await assetStatus(project, { engine })).map((s) => [s.name, s.status]));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code: string; cause?: { code: string; message: string } },
  );

describe('asset kinds', () => {
  it('derives the graph from the definitions: a training set depends on its views’ assets and its entity table, a model on its training set', async () => {
    const graph = await assetGraph(project, { engine });
    expect(graph.assets.map((a) => [a.name, a.kind, a.deps])).toEqual([
      ['clicks', 'ingest', []],
      ['user_activity', 'sql', ['clicks']],
      ['user_activity_online', 'feature_view', ['user_activity']],
      ['training_buying', 'training_set', ['clicks', 'user_activity_online']],
      ['buyer', 'model', ['training_buying']],
      ['clicks_checked', 'validation', ['clicks']],
    ]);
  });

  it('runs each kind, recording what it read and the version it made', async () => {
    // The feature view must be applied over an existing table, as `aquifer apply` requires: the cleaned table first.
    expect(brief(await runAsset(project, 'user_activity', { withUpstream: true, engine }))).toEqual([
      // The first file creates the table (version 0) and commits its rows (1).
      ['clicks', 'success', { 'files:landing/*.csv': 0 }, 1],
      ['user_activity', 'success', { clicks: 1 }, 0],
    ]);
    await new FeatureRegistry(project).apply(REPOSITORY, engine);

    const runs = await runAsset(project, 'buyer', { withUpstream: true, engine });
    expect(brief(runs)).toEqual([
      ['user_activity_online', 'success', { user_activity: 0 }, 0],
      ['training_buying', 'success', { clicks: 1, user_activity_online: 0 }, 1],
      ['buyer', 'success', { training_buying: 1 }, 1],
    ]);
    // The online store holds the view's latest values; the set is a saved training set pinned to what it read; the model is registered.
    const store = await openAppliedFeatureStore(project, engine);
    const online = await store.onlineFeatures({ features: 'buying', entities: { user_id: ['u1'] } }).finally(() => store.online?.close());
    // u1's last hour: one leave, no view.
    expect(online.results.slice(1).map((r) => r.values)).toEqual([[0], [1]]);
    const set = await trainingSetDefinition(await DeltaTable.open(project.tablePath('training_buying'), { engine }));
    expect(set.sources.map((s) => [path.basename(s.table), s.version])).toEqual([['user_activity', 0]]);
    const models = await openModelStore(project);
    const champion = await models.getModelVersionByAlias('buyer', 'champion').finally(() => models.close());
    expect(champion.version).toBe(1);

    expect(brief(await runAsset(project, 'clicks_checked', { engine }))).toEqual([['clicks_checked', 'success', { clicks: 1 }, 1]]);
    expect(await statuses()).toEqual({
      clicks: 'fresh',
      user_activity: 'fresh',
      user_activity_online: 'fresh',
      training_buying: 'fresh',
      buyer: 'fresh',
      clicks_checked: 'fresh',
    });
  });

  it('after a file lands, reruns with upstream only what is stale: each step downstream of the file, not the validation beside them', async () => {
    await land(project, 'day-2.csv', dayOfClicks('2024-05-02', 12));
    const before = await assetStatus(project, { engine });
    expect(before.find((s) => s.name === 'clicks')).toMatchObject({ status: 'stale', staleInputs: [{ table: 'files:landing/*.csv', read: 0, current: 1 }] });
    expect(before.find((s) => s.name === 'user_activity')?.status).toBe('fresh');

    const runs = await runAsset(project, 'buyer', { withUpstream: true, engine });
    expect(brief(runs)).toEqual([
      ['clicks', 'success', { 'files:landing/*.csv': 0 }, 2],
      ['user_activity', 'success', { clicks: 2 }, 1],
      ['user_activity_online', 'success', { user_activity: 1 }, 1],
      ['training_buying', 'success', { clicks: 2, user_activity_online: 1 }, 2],
      ['buyer', 'success', { training_buying: 2 }, 2],
    ]);
    expect((await statuses())['clicks_checked']).toBe('stale');
    // Nothing stale: only the asset asked for runs.
    expect((await runAsset(project, 'training_buying', { withUpstream: true, engine })).map((r) => r.asset)).toEqual(['training_buying']);
    expect((await statuses())['buyer']).toBe('stale');
  });

  it('fails a validation whose suite fails, recording why', async () => {
    await writeSuite(project, {
      name: 'clicks_checks',
      expectations: [{ type: 'expect_column_values_to_be_in_set', kwargs: { column: 'event_type', value_set: ['view'] } }],
    });
    const error = await failure(runAsset(project, 'clicks_checked', { engine }));
    expect(error?.code).toBe('ASSET_RUN_FAILED');
    expect(error?.cause?.code).toBe('ASSET_VALIDATION_FAILED');
    expect((await statuses())['clicks_checked']).toBe('failed');
  });

  it('fails a model whose training command fails, naming the training run, and leaves the registered versions as they were', async () => {
    await writePipeline(project, [
      { name: 'broken_buyer', kind: 'model', trainingSet: 'training_buying', command: [process.execPath, '-e', 'process.exit(3)'] },
    ]);
    const error = await failure(runAsset(project, 'broken_buyer', { withUpstream: true, engine }));
    expect([error?.code, error?.cause?.code]).toEqual(['ASSET_RUN_FAILED', 'ASSET_TRAINING_FAILED']);
    expect((await statuses())['broken_buyer']).toBe('failed');
    await writePipeline(project, [{ name: 'clicks_checked', kind: 'validation', suite: 'clicks_checks', table: 'clicks' }]);
  });

  it('refuses a partition of a kind that runs whole', async () => {
    expect((await failure(runAsset(project, 'buyer', { partition: '2024-05-01', engine })))?.code).toBe('ASSET_PARTITION_INVALID');
  });
});

describe('typescript assets', () => {
  let other: Project;
  beforeAll(async () => {
    other = await Project.init(path.join(await tempDir('aquifer-asset-typescript-'), 'project'));
    await DeltaTable.create(other.tablePath('orders'), {
      engine,
      data: { sql: 'SELECT * FROM (VALUES (1, 10.0::DOUBLE), (2, 25.5), (3, 4.0)) t(id, amount)' },
    });
    await writeFile(
      path.join(other.root, 'big_orders.mjs'),
      `export default async function ({ tables, engine }) {
         const rows = await engine.queryJson(\`SELECT count(*)::INTEGER AS n FROM (\${tables.orders})\`);
         return { sql: \`SELECT id, amount, \${rows[0].n} AS of_orders FROM orders WHERE amount > 5\` };
       }
       export function summary({ asset }) { return [{ asset, made_by: 'rows' }]; }
       export function broken() { return 'nope'; }`,
    );
    await writeFile(path.join(other.root, 'typed.ts'), 'export default (): { sql: string } => ({ sql: "SELECT 1 AS one" });');
  });
  const define = (assets: Record<string, unknown>[]) => writeAssets(other, 'ts', assets);

  it('writes the SQL a module returns over its pinned inputs, or the rows it returns', async () => {
    await define([
      { name: 'big_orders', kind: 'typescript', module: 'big_orders.mjs', reads: ['orders'] },
      { name: 'summary', kind: 'typescript', module: 'big_orders.mjs', export: 'summary', reads: ['big_orders'] },
    ]);
    const runs = await runAsset(other, 'summary', { withUpstream: true, engine });
    expect(brief(runs)).toEqual([
      ['big_orders', 'success', { orders: 0 }, 0],
      ['summary', 'success', { big_orders: 0 }, 0],
    ]);
    const read = async (name: string) =>
      engine.queryJson(`SELECT * FROM (${await (await (await DeltaTable.open(other.tablePath(name), { engine })).scan()).sql()}) ORDER BY ALL`);
    expect(await read('big_orders')).toEqual([
      { id: 1, amount: 10, of_orders: 3 },
      { id: 2, amount: 25.5, of_orders: 3 },
    ]);
    expect(await read('summary')).toEqual([{ asset: 'summary', made_by: 'rows' }]);
  });

  it('refuses a module that returns neither, an export that is missing, and TypeScript Node cannot import, each as ASSET_MODULE_INVALID', async () => {
    await define([
      { name: 'broken', kind: 'typescript', module: 'big_orders.mjs', export: 'broken', reads: ['orders'] },
      { name: 'missing', kind: 'typescript', module: 'big_orders.mjs', export: 'nothing', reads: [] },
      { name: 'typed', kind: 'typescript', module: 'typed.ts', reads: [] },
    ]);
    for (const name of ['broken', 'missing', ...((process.features as { typescript?: unknown }).typescript ? [] : ['typed'])]) {
      const error = await failure(runAsset(other, name, { engine }));
      expect([name, error?.code, error?.cause?.code]).toEqual([name, 'ASSET_RUN_FAILED', 'ASSET_MODULE_INVALID']);
    }
  });
});
