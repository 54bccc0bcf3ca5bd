import { AssetPartitionInvalidError } from '../errors.js';
import type { KindContext } from './context.js';
import { runSqlAsset } from './sql-kind.js';

/**
 * Run one asset by its kind, recording each input's version in `context.inputs` as it is
 * read. Returns the run's `outputVersion`: the version of the table written for table kinds
 * (sql, typescript, ingest); for the others what RUN_VERSIONED_KINDS says.
 */
export async function materialize(context: KindContext): Promise<number> {
  const asset = context.asset;
  if (context.partition !== undefined && asset.kind !== 'sql' && asset.kind !== 'typescript')
    throw new AssetPartitionInvalidError(asset.name, context.partition, `cannot be run: a ${asset.kind} asset runs whole`);
  switch (asset.kind) {
    case 'sql':
      return runSqlAsset(context, asset.sql);
    // The other kinds load their capabilities (ingest, features, models, quality) only when one runs, so SQL-only use of aquifer/orchestrate stays light.
    case 'typescript':
      return (await import('./typescript-kind.js')).runTypescriptAsset(context, asset);
    case 'ingest':
      return (await import('./ingest-kind.js')).runIngestAsset(context, asset);
    case 'feature_view':
      return (await import('./feature-view-kind.js')).runFeatureViewAsset(context, asset);
    case 'training_set':
      return (await import('./training-set-kind.js')).runTrainingSetAsset(context, asset);
    case 'model':
      return (await import('./model-kind.js')).runModelAsset(context, asset);
    case 'validation':
      return (await import('./validation-kind.js')).runValidationAsset(context, asset);
    case 'monitor':
      return (await import('./monitor-kind.js')).runMonitorAsset(context, asset);
  }
}
