import { quoteIdent, quoteLiteral } from '../engine/index.js';
import { DAY, type Partitions } from './definition.js';
import { AssetPartitionInvalidError } from './errors.js';
import type { ResolvedAsset } from './pipeline.js';

/**
 * Check that `partition` is one of the asset's partitions: a day from the asset's start
 * (not after `now`, a parameter so tests freeze time) for daily partitions, one of its
 * values for static ones. Returns the partitions definition.
 */
export function checkPartition(asset: ResolvedAsset, partition: string, now: Date = new Date()): Partitions {
  const partitions = asset.partitions;
  if (partitions === undefined) throw new AssetPartitionInvalidError(asset.name, partition, 'cannot be run: the asset is not partitioned');
  if (partitions.type === 'static') {
    if (!partitions.values.includes(partition))
      throw new AssetPartitionInvalidError(asset.name, partition, `is not one of its values (${partitions.values.slice(0, 10).join(', ')})`);
    return partitions;
  }
  const time = Date.parse(`${partition}T00:00:00Z`);
  if (!DAY.test(partition) || Number.isNaN(time) || !new Date(time).toISOString().startsWith(partition))
    throw new AssetPartitionInvalidError(asset.name, partition, 'is not a day (YYYY-MM-DD)');
  if (partition < partitions.start) throw new AssetPartitionInvalidError(asset.name, partition, `is before the asset's start (${partitions.start})`);
  if (partition > now.toISOString().slice(0, 10)) throw new AssetPartitionInvalidError(asset.name, partition, 'is in the future');
  return partitions;
}

/** The replaceWhere predicate of one partition, over the asset's partition column. */
export function partitionPredicate(partitions: Partitions, partition: string): string {
  return `${quoteIdent(partitions.column)} = ${quoteLiteral(partition)}`;
}
