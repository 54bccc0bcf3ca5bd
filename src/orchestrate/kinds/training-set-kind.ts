import { sqlTableReads } from '../../engine/index.js';
import { openAppliedFeatureStore } from '../../features/index.js';
import { lastOutputVersion } from '../asset-status.js';
import { readAssets } from '../asset-files.js';
import type { Asset } from '../definition.js';
import { bindTables, pinInput, withBindings, type KindContext } from './context.js';

type TrainingSetAsset = Extract<Asset, { kind: 'training_set' }>;

/**
 * A training set asset: its entity SQL over the project's tables (pinned and bound as a SQL
 * asset's), joined point in time to its features and saved under the asset's name, replacing
 * the set saved before (a saved set is replaced whole, so its definition property matches its
 * rows). A view the pipeline materializes is read at the source version that materialization
 * read, so the set matches what the online store serves; other views at their latest. Returns
 * the refresh count: the previous successful run's version plus one.
 */
export async function runTrainingSetAsset(context: KindContext, asset: TrainingSetAsset): Promise<number> {
  const { project, engine } = context;
  const reads = (await sqlTableReads(engine, asset.entities.sql)).map((r) => (r.schema === undefined ? r.name : `${r.schema}.${r.name}`));
  const bindings = await bindTables(context, reads);
  const store = await openAppliedFeatureStore(project, engine);
  try {
    const materialized = new Map((await readAssets(project)).flatMap((a) => (a.kind === 'feature_view' ? [[a.name, a.view ?? a.name] as const] : [])));
    const versions: Record<string, number> = {};
    for (const dependency of context.asset.dependsOn) {
      if (dependency in context.inputs) continue;
      const version = await pinInput(context, dependency);
      const view = materialized.get(dependency);
      if (view !== undefined) versions[view] = version;
    }
    const set = await store.historicalFeatures({
      entityRows: { sql: withBindings(bindings, asset.entities.sql) },
      features: typeof asset.features === 'string' ? asset.features : [...asset.features],
      ...(asset.timestampColumn === undefined ? {} : { timestampColumn: asset.timestampColumn }),
      ...(asset.fullFeatureNames === undefined ? {} : { fullFeatureNames: asset.fullFeatureNames }),
      versions,
    });
    await set.save(project.tablePath(asset.name), { overwrite: true, ...(asset.model === undefined ? {} : { model: asset.model }) });
    return ((await lastOutputVersion(context.store, asset.name)) ?? 0) + 1;
  } finally {
    await store.online?.close();
  }
}
