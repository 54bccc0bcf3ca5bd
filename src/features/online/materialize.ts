import { quoteIdent, type Engine } from '../../engine/index.js';
import { DeltaTable, jsonValue, parseTimestamp, primitive } from '../../table/index.js';
import type { ResolvedView } from '../definitions/resolve.js';
import { viewSourceSql } from '../definitions/view-source.js';
import type { DatasetRef } from '../../observe/index.js';
import { tableVersionDataset } from '../job-datasets.js';
import { entityKey, type OnlineRow, type OnlineStore } from './online-store.js';

export interface MaterializeResult {
  view: string;
  /** Entities whose row was written (newer than what the store held). */
  written: number;
  /** Entities read from the table in the window. */
  read: number;
  tableVersion: number;
}

const BATCH = 10_000;

/**
 * Load the latest values per entity of one view, among rows with event time in
 * [start, end] (both ends included, as Feast does), into the online store. DuckDB picks the latest row per entity (ties by
 * created time); the store keeps a row only if it is newer than the stored one, so
 * repeating a window, or overlapping windows, converges on the same state.
 */
export async function materializeView(
  engine: Engine,
  table: DeltaTable,
  view: ResolvedView,
  store: OnlineStore,
  start: number,
  end: number,
  onRows?: (rows: number) => void,
): Promise<MaterializeResult> {
  return writeMaterialized(engine, await materializeQuery(table, view, start, end), view, store, onRows);
}

/** The rows a materialization would write (one per entity), pinned to the table version it read. */
export interface MaterializeQuery {
  sql: string;
  tableVersion: number;
  /** The table version read, as a job run's input. */
  table: DatasetRef;
}

/** The latest row per entity of one view in [start, end], as SQL over one version of its table. */
export async function materializeQuery(table: DeltaTable, view: ResolvedView, start: number, end: number): Promise<MaterializeQuery> {
  const snapshot = await table.snapshot();
  const scan = await table.scan({ version: snapshot.version });
  const source = view.view.source;
  const ts = quoteIdent(source.timestampField);
  const created = source.createdTimestampField === undefined ? undefined : quoteIdent(source.createdTimestampField);
  const keys = view.joinKeys.map(quoteIdent);
  const features = view.view.features.map((f) => quoteIdent(f.name));
  const sql = `SELECT ${[...keys, `epoch_ms(${ts}) AS aq_event_ms`, created === undefined ? 'NULL AS aq_created_ms' : `epoch_ms(${created}) AS aq_created_ms`, ...features].join(', ')}
    FROM (${viewSourceSql(view.view, await scan.sql())})
    WHERE ${ts} >= to_timestamp(${Math.floor(start)} / 1000.0) AND ${ts} <= to_timestamp(${Math.floor(end)} / 1000.0)
    QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${ts} DESC${created === undefined ? '' : `, ${created} DESC NULLS LAST`}) = 1`;
  return { sql, tableVersion: snapshot.version, table: tableVersionDataset(table.location, snapshot) };
}

/** Write a materialization's rows into the online store. */
export async function writeMaterialized(
  engine: Engine,
  { sql, tableVersion }: MaterializeQuery,
  view: ResolvedView,
  store: OnlineStore,
  onRows?: (rows: number) => void,
): Promise<MaterializeResult> {
  let written = 0;
  let read = 0;
  let pending: OnlineRow[] = [];
  const flush = async () => {
    written += await store.write(view.view.name, pending);
    read += pending.length;
    onRows?.(read);
    pending = [];
  };
  // Values keep the feature's declared type (as the server prints it): only integer features
  // become numbers, so a string feature '02139' is served as '02139', as training sets hold it.
  for await (const chunk of engine.stream(sql)) {
    for (const row of chunk.rows) {
      const values: Record<string, unknown> = {};
      for (const feature of view.view.features) values[feature.name] = jsonValue(row[feature.name], primitive(feature.type));
      const onlineRow: OnlineRow = { key: entityKey(view.joinKeys.map((k) => row[k])), eventTs: Number(row['aq_event_ms']), values };
      if (row['aq_created_ms'] !== null && row['aq_created_ms'] !== undefined) onlineRow.createdTs = Number(row['aq_created_ms']);
      pending.push(onlineRow);
      if (pending.length >= BATCH) await flush();
    }
  }
  await flush();
  return { view: view.view.name, written, read, tableVersion };
}

export function toMillis(value: Date | string | number): number {
  return parseTimestamp(value);
}
