import { bindTables, withBindings, type KindContext } from './context.js';
import { writeAssetTable } from './write-table.js';

/**
 * A SQL asset: pin each input at its current version, run the SQL with each input's name
 * bound to its Delta scan (a CTE around the asset's query, which may have CTEs of its own),
 * and write the result as the asset's table. Returns the version written.
 */
export async function runSqlAsset(context: KindContext, sql: string): Promise<number> {
  return writeAssetTable(context, withBindings(await bindTables(context), sql));
}
