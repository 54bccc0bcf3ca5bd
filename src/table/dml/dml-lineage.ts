import path from 'node:path';
import { quoteIdent, sqlColumnLineage, type LineageTable } from '../../engine/index.js';
import { log } from '../../log.js';
import { jobRunsObserved, tableDataset, type ColumnSource } from '../../observe/index.js';
import { fileTable, type TableChangeLineage, type WriteSource } from '../write/index.js';
import type { DmlContext } from './dml-context.js';

/**
 * Column lineage of DELETE, UPDATE and MERGE, for lineage: each change's expressions are
 * wrapped in a SELECT over the table (and the merge's source) and read by sqlColumnLineage,
 * so they are understood exactly as DuckDB runs them. Built only while someone observes
 * job runs, and never fails the change: lineage it cannot work out is left out.
 */

/** The name the table goes by in the SELECTs built here, never one a user's SQL could mean. */
const TARGET = 'aquifer_lineage_target';
const SOURCE_FILE = 'aquifer_lineage_source_';
const ITEM = 'aq_item_';

/** One value written: the column, and the SQL expression giving it. */
export interface WrittenValue {
  column: string;
  expression: string;
}

/** What the SELECT wrapping a change reads: the table as `alias`, the merge's source as `source`. */
interface ChangeQuery {
  /** Items of the select list, by a name of their own. */
  items: readonly string[];
  alias: string;
  join?: { source: string; on: string };
  where?: string;
}

async function observed<T>(context: DmlContext, work: () => Promise<T>): Promise<T | undefined> {
  if (!jobRunsObserved()) return undefined;
  try {
    return await work();
  } catch (error) {
    log.warn({ err: error, table: context.location }, 'could not work out the column lineage of a change');
    return undefined;
  }
}

function targetTable(context: DmlContext): LineageTable {
  return { ...tableDataset(context.location), columns: context.snapshot.schema.fields.map((f) => f.name) };
}

/** Lineage of each select item (by its index) and of the whole query. */
async function itemLineage(
  context: DmlContext,
  query: ChangeQuery,
  sources: ReadonlyMap<string, LineageTable>,
): Promise<{ items: ColumnSource[][]; dataset: ColumnSource[] }> {
  const select = query.items.length === 0 ? '1' : query.items.map((item, i) => `(${item}) AS ${ITEM}${i}`).join(', ');
  const join = query.join === undefined ? '' : ` JOIN (${query.join.source}) AS source ON (${query.join.on})`;
  const sql = `SELECT ${select} FROM ${TARGET} AS ${quoteIdent(query.alias)}${join}${query.where === undefined ? '' : ` WHERE ${query.where}`}`;
  const target = targetTable(context);
  const lineage = await sqlColumnLineage(context.engine, sql, async (reference) =>
    reference.kind === 'table' && reference.schema === undefined
      ? reference.name === TARGET
        ? target
        : sources.get(reference.name)
      : fileTable(context.engine, reference),
  );
  return { items: query.items.map((_, i) => lineage.columns[`${ITEM}${i}`] ?? []), dataset: lineage.dataset };
}

/** DELETE: the columns of its condition decide which rows go. */
export function deleteLineage(context: DmlContext, where: string | undefined): Promise<TableChangeLineage | undefined> {
  if (where === undefined) return Promise.resolve(undefined);
  return observed(context, async () => {
    const { dataset } = await itemLineage(context, { items: [], alias: 'aquifer_table', where }, new Map());
    return { datasetLineage: dataset };
  });
}

/** UPDATE: each column set ← the columns of its expression; the condition's columns decide which rows. */
export function updateLineage(context: DmlContext, set: readonly WrittenValue[], where: string | undefined): Promise<TableChangeLineage | undefined> {
  return observed(context, async () => {
    const { items, dataset } = await itemLineage(
      context,
      { items: set.map((s) => s.expression), alias: 'aquifer_table', ...(where === undefined ? {} : { where }) },
      new Map(),
    );
    return { columnLineage: byColumn(set, items), ...(dataset.length === 0 ? {} : { datasetLineage: dataset }) };
  });
}

/**
 * MERGE: each column written ← the columns of its assignments and inserted values (over
 * `target` and `source`); the ON columns as JOIN and the clauses' conditions as CONDITIONAL
 * decide which rows change. The source's columns are followed to where they come from: files
 * named without wildcards are datasets of their own, SQL is read by sqlColumnLineage (a table
 * scan's SQL leads to that table), rows in memory come from no dataset.
 */
export function mergeLineage(
  context: DmlContext,
  source: WriteSource,
  sourceColumns: readonly string[],
  on: string,
  written: readonly WrittenValue[],
  conditions: readonly string[],
): Promise<TableChangeLineage | undefined> {
  return observed(context, async () => {
    const files = new Map<string, LineageTable>();
    let sql: string;
    if ('files' in source) {
      const list = typeof source.files === 'string' ? [source.files] : [...source.files];
      if (list.some((f) => /[*?[]/.test(f))) sql = 'SELECT 1';
      else {
        list.forEach((file, i) => files.set(`${SOURCE_FILE}${i}`, { ...tableDataset(path.resolve(file)), columns: sourceColumns }));
        sql = [...files.keys()].map((name) => `SELECT * FROM ${name}`).join(' UNION ALL ');
      }
    } else if ('sql' in source) sql = source.sql;
    // Rows held in memory come from no dataset: a table nobody resolves.
    else sql = 'SELECT * FROM aquifer_lineage_rows';
    const query: ChangeQuery = { items: [...written.map((w) => w.expression), ...conditions], alias: 'target', join: { source: sql, on } };
    const { items, dataset } = await itemLineage(context, query, files);
    const conditional = items
      .slice(written.length)
      .flatMap((sources) => sources.map((s): ColumnSource => ({ ...s, type: 'INDIRECT', subtype: 'CONDITIONAL' })));
    return { columnLineage: byColumn(written, items), datasetLineage: unique([...dataset, ...conditional]) };
  });
}

function byColumn(written: readonly WrittenValue[], items: readonly ColumnSource[][]): Record<string, ColumnSource[]> {
  const columns: Record<string, ColumnSource[]> = {};
  written.forEach((w, i) => {
    const sources = items[i] ?? [];
    if (sources.length > 0) columns[w.column] = unique([...(columns[w.column] ?? []), ...sources]);
  });
  return columns;
}

function unique(sources: readonly ColumnSource[]): ColumnSource[] {
  const seen = new Map<string, ColumnSource>();
  for (const s of sources) seen.set(`${s.namespace}\n${s.name}\n${s.field}\n${s.type}\n${s.subtype ?? ''}`, s);
  return [...seen.values()];
}
