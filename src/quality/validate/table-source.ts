import { quoteLiteral } from '../../engine/index.js';
import { ROW_FILE_COLUMN, ROW_INDEX_COLUMN, statsNumRecords, type DeltaTable } from '../../table/index.js';
import { POSITION_COLUMN, type ValidationSource } from './validate-rows.js';

/** Where each failing row of a table is: its data file (as the log names it) and its index in that file. */
export const FILE_COLUMN = ROW_FILE_COLUMN;
export const ROW_COLUMN = ROW_INDEX_COLUMN;

/** A table version as rows to validate, identified by data file and row index, and positioned in log order. */
export interface TableSource extends ValidationSource {
  version: number;
  location: string;
}

/**
 * The rows of one version of a table, each with its data file (as the log names it), its
 * row index in that file (as deletion vectors count rows) and a position: the rows of
 * earlier files in the log's order, plus its index. Positions count a file's deleted rows
 * too, so they stay the same for a row as long as its file is live.
 */
export async function tableSource(table: DeltaTable, version?: number): Promise<TableSource> {
  const snapshot = await table.snapshot(version === undefined ? {} : { version });
  const scan = await table.scan({ version: snapshot.version, rowIds: true });
  const plan = await scan.plan();
  const located = await scan.fileLocations();
  let offset = 0;
  const mapping: string[] = [];
  const unknown = located.filter(({ file }) => statsNumRecords(file) === undefined).map(({ location }) => location);
  const counted = new Map<string, number>();
  if (unknown.length > 0) {
    const rows = await table.engine.query(
      `SELECT ${ROW_FILE_COLUMN} AS f, max(${ROW_INDEX_COLUMN}) + 1 AS n FROM (${plan.sql}) WHERE ${ROW_FILE_COLUMN} IN (${unknown.map(quoteLiteral).join(', ')}) GROUP BY ALL`,
    );
    for (const row of rows) counted.set(String(row['f']), Number(row['n']));
  }
  for (const { file, location } of located) {
    mapping.push(`(${quoteLiteral(location)}, ${quoteLiteral(decodeURIComponent(file.path))}, ${offset}::BIGINT)`);
    offset += statsNumRecords(file) ?? counted.get(location) ?? 0;
  }
  const sql =
    mapping.length === 0
      ? `SELECT *, 0::BIGINT AS ${POSITION_COLUMN} FROM (${plan.sql}) LIMIT 0`
      : `SELECT s.* EXCLUDE (${ROW_FILE_COLUMN}), f.path AS ${ROW_FILE_COLUMN}, f.aq_offset + s.${ROW_INDEX_COLUMN} AS ${POSITION_COLUMN}
         FROM (${plan.sql}) AS s JOIN (VALUES ${mapping.join(', ')}) AS f(location, path, aq_offset) ON s.${ROW_FILE_COLUMN} = f.location`;
  const unpositioned = await (await table.scan({ version: snapshot.version })).plan();
  return { sql, unpositionedSql: unpositioned.sql, fields: plan.fields, version: snapshot.version, location: table.store.url };
}
