import { DeltaTable } from '../../table/index.js';
import { partitionPredicate } from '../partitions.js';
import { currentVersion } from '../project-tables.js';
import type { KindContext } from './context.js';

/**
 * Write a query's result as the asset's table: created on the first run (partitioned by the
 * asset's partition column if it has one); a whole run makes the table what the query gives
 * now, schema included; a partition run keeps only that partition's rows and replaces only
 * that partition (replaceWhere). Returns the version written.
 */
export async function writeAssetTable(context: KindContext, query: string): Promise<number> {
  const { project, engine, asset, partition } = context;
  // The partition was checked against the asset's partitions before any run started.
  const where = partition === undefined || asset.partitions === undefined ? undefined : partitionPredicate(asset.partitions, partition);
  const sql = where === undefined ? query : `SELECT * FROM (${query}) AS partition_rows WHERE ${where}`;
  const location = project.tablePath(asset.name);
  const partitionColumns = asset.partitions === undefined ? [] : [asset.partitions.column];
  if ((await currentVersion(project, engine, asset.name)) === undefined) {
    const { result } = await DeltaTable.create(location, { engine, stores: project.stores, data: { sql }, partitionColumns, name: asset.name });
    return result.version;
  }
  const table = await DeltaTable.open(location, { engine, stores: project.stores });
  // The partition's scope lets partitions of one table be replaced side by side (a backfill) without conflicting.
  const partitionScope = partition === undefined || asset.partitions === undefined ? undefined : { [asset.partitions.column]: partition };
  const result = await table.overwrite(
    { sql },
    where === undefined || partitionScope === undefined ? { overwriteSchema: true, partitionColumns } : { where, partitionScope },
  );
  return result.version;
}
