import { AssetPartitionInvalidError } from '../errors.js';
import type { KindContext } from './context.js';
import { runFeatureViewAsset } from './feature-view-kind.js';
import { runIngestAsset } from './ingest-kind.js';
import { runModelAsset } from './model-kind.js';
import { runSqlAsset } from './sql-kind.js';
import { runTrainingSetAsset } from './training-set-kind.js';
import { runTypescriptAsset } from './typescript-kind.js';
import { runValidationAsset } from './validation-kind.js';

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
    case 'typescript':
      return runTypescriptAsset(context, asset);
    case 'ingest':
      return runIngestAsset(context, asset);
    case 'feature_view':
      return runFeatureViewAsset(context, asset);
    case 'training_set':
      return runTrainingSetAsset(context, asset);
    case 'model':
      return runModelAsset(context, asset);
    case 'validation':
      return runValidationAsset(context, asset);
  }
}
