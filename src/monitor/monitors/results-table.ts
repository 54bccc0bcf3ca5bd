import path from 'node:path';
import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { field, openOrCreateTable, primitive, struct, type DeltaTable, type StructType } from '../../table/index.js';

/** The project's Delta table of monitor runs, beside its tables (the leading `_` keeps it apart from user tables). */
export const MONITOR_RESULTS_TABLE = '_monitor_results';

/** One row per monitor run. */
export const MONITOR_RESULTS_SCHEMA: StructType = struct([
  field('run_id', primitive('string'), false),
  field('monitor', primitive('string'), false),
  field('kind', primitive('string'), false),
  field('table_name', primitive('string'), false),
  /** The version of the monitored table read; null when it could not be read. */
  field('table_version', primitive('long')),
  field('started_at', primitive('timestamp'), false),
  field('finished_at', primitive('timestamp'), false),
  /** ok, breach or error. */
  field('status', primitive('string'), false),
  field('value', primitive('double')),
  /** JSON: a number, or {"min", "max"} bounds. */
  field('threshold', primitive('string')),
  /** JSON: what the check saw besides the value (per-column drift values, schema changes, the trailing band). */
  field('details', primitive('string'), false),
  /** The alert transition this run made: firing, resolved, or null. */
  field('alert', primitive('string')),
  /** Whether the webhook accepted that transition's notification in this run (null: no transition, or no webhook). */
  field('alert_delivered', primitive('boolean')),
  field('error_code', primitive('string')),
  field('error_message', primitive('string')),
]);

/** Where the project's monitor results live: its tables root, local or S3. */
export function monitorResultsLocation(project: Project): string {
  const storage = project.config.backends.tableStorage;
  // Project.tablePath refuses a leading `_` (user names never have one), so the location is built here.
  return storage === 'local' ? path.join(project.root, 'tables', MONITOR_RESULTS_TABLE) : `${storage.root.replace(/\/+$/, '')}/${MONITOR_RESULTS_TABLE}`;
}

/** Open the results table, creating it on first use through the project's stores. */
export function openMonitorResults(project: Project, engine: Engine): Promise<DeltaTable> {
  return openOrCreateTable(monitorResultsLocation(project), engine, MONITOR_RESULTS_SCHEMA, {
    stores: project.stores,
    description: 'Monitoring: one row per monitor run',
  });
}
