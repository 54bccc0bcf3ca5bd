import { quoteLiteral } from '../../engine/index.js';
import { csvDialect, formatOf, type DeltaTable } from '../../table/index.js';

/**
 * The rows one side of a drift report reads: any query DuckDB can run (a Delta table at a
 * version, filtered or not; a CSV or Parquet file), and a label that says what it is.
 */
export interface DriftRelation {
  sql: string;
  label: string;
}

export interface TableRelationOptions {
  /** The table version (time travel); the latest by default. */
  version?: number;
  /** A SQL filter over the table's columns, as `aquifer table read --where` takes it (files are pruned by it). */
  where?: string;
  /** What the report calls the table (a project table's name); its location by default. */
  name?: string;
}

/** A Delta table at a version, possibly filtered, as the rows of a drift report. */
export async function tableRelation(table: DeltaTable, options: TableRelationOptions = {}): Promise<DriftRelation> {
  const snapshot = await table.snapshot(options.version === undefined ? {} : { version: options.version });
  const scan = await table.scan({ version: snapshot.version, ...(options.where === undefined ? {} : { where: options.where }) });
  const plan = await scan.plan();
  return { sql: plan.sql, label: `${options.name ?? table.location}@${snapshot.version}${options.where === undefined ? '' : ` WHERE ${options.where}`}` };
}

/**
 * A CSV, Parquet or JSON-lines file (told apart by its name) as the rows of a drift report: data not
 * yet in a table. CSV is read with a header and DuckDB's type detection, as pandas'
 * read_csv guesses numbers and text.
 */
export function fileRelation(file: string, options: { where?: string } = {}): DriftRelation {
  const format = formatOf(file, undefined);
  const reader =
    format === 'csv'
      ? `read_csv(${[quoteLiteral(file), ...csvDialect(file)].join(', ')})`
      : format === 'json'
        ? `read_json(${quoteLiteral(file)})`
        : `read_parquet(${quoteLiteral(file)})`;
  const where = options.where === undefined ? '' : ` WHERE (${options.where})`;
  return { sql: `SELECT * FROM ${reader}${where}`, label: `${file}${options.where === undefined ? '' : ` WHERE ${options.where}`}` };
}
