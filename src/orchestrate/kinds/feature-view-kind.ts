import { openAppliedFeatureStore } from '../../features/index.js';
import type { Asset } from '../definition.js';
import { pinInput, type KindContext } from './context.js';

type FeatureViewAsset = Extract<Asset, { kind: 'feature_view' }>;

/**
 * A feature view asset: the view (as last applied) materialized into the project's online
 * store, as `aquifer materialize` does: the latest values with event time from the asset's
 * `start` (the beginning) up to the run's time; an aggregation view folds its table's new
 * commits into its tiles instead. The whole range each run, so rows landing late are not
 * missed. Records the source table version read and returns it as the asset's version.
 */
export async function runFeatureViewAsset(context: KindContext, asset: FeatureViewAsset): Promise<number> {
  const { project, engine } = context;
  const view = asset.view ?? asset.name;
  const source = context.asset.dependsOn[0] as string;
  for (const dependency of context.asset.dependsOn.slice(1)) await pinInput(context, dependency);
  const store = await openAppliedFeatureStore(project, engine);
  try {
    const aggregation = store.repository.featureViews.find((v) => v.name === view)?.aggregation !== undefined;
    const version = aggregation
      ? (await store.aggregate({ views: [view] }))[0]?.tableVersion
      : (await store.materialize(asset.start ?? 0, context.now, { views: [view] }))[0]?.tableVersion;
    // Unknown views were refused by the store (FEATURE_NOT_FOUND); an empty answer is not expected, but is not a version either.
    if (version === undefined) return pinInput(context, source);
    context.inputs[source] = version;
    return version;
  } finally {
    await store.online?.close();
  }
}
