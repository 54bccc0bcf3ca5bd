import path from 'node:path';
import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { field, openOrCreateTable, primitive, struct, type DeltaTable, type StructType } from '../../table/index.js';

/**
 * The project's Delta tables of validation outcomes, beside its own tables. The leading `_`
 * keeps them apart from user tables (a table name cannot start with it) and marks them as
 * internal to Spark and Delta readers that list the folder.
 */
export const RESULTS_TABLE = '_quality_results';
export const FAILURES_TABLE = '_quality_failures';

/** One row per expectation per validation: what trends are queried from. */
export const RESULTS_SCHEMA: StructType = struct([
  field('validation_id', primitive('string'), false),
  field('suite', primitive('string'), false),
  field('table_name', primitive('string'), false),
  field('table_version', primitive('long'), false),
  field('expectation_index', primitive('integer'), false),
  field('expectation_type', primitive('string'), false),
  field('kwargs', primitive('string'), false),
  field('success', primitive('boolean'), false),
  field('observed_value', primitive('string')),
  field('element_count', primitive('long')),
  field('unexpected_count', primitive('long')),
  field('missing_count', primitive('long')),
  field('exception_message', primitive('string')),
  field('validated_at', primitive('timestamp'), false),
]);

/** Every failing row of every failed per-row expectation: where it is in the table, and its key. */
export const FAILURES_SCHEMA: StructType = struct([
  field('validation_id', primitive('string'), false),
  field('expectation_index', primitive('integer'), false),
  /** The data file as the table's log names it. */
  field('file', primitive('string'), false),
  /** The row's index in that file, as deletion vectors count rows. */
  field('row_index', primitive('long'), false),
  /** The row's 0-based position in the version validated (GE's `unexpected_index_list` without id columns). */
  field('row_position', primitive('long'), false),
  /** `{"id column": value}` when the validation named id columns. */
  field('key_values', primitive('string')),
]);

/** Where a project's table of that name (RESULTS_TABLE or FAILURES_TABLE) lives: its tables root, local or S3. */
export function qualityTableLocation(project: Project, name: typeof RESULTS_TABLE | typeof FAILURES_TABLE): string {
  const storage = project.config.backends.tableStorage;
  // Project.tablePath refuses a leading `_` (user names never have one), so the location is built here.
  return storage === 'local' ? path.join(project.root, 'tables', name) : `${storage.root.replace(/\/+$/, '')}/${name}`;
}

/** Open one of the tables, creating it on first use through the project's stores (so on S3 too). */
export async function openQualityTable(project: Project, engine: Engine, name: typeof RESULTS_TABLE | typeof FAILURES_TABLE): Promise<DeltaTable> {
  return openOrCreateTable(qualityTableLocation(project, name), engine, name === RESULTS_TABLE ? RESULTS_SCHEMA : FAILURES_SCHEMA, {
    stores: project.stores,
    description: name === RESULTS_TABLE ? 'Data quality: one row per expectation per validation' : 'Data quality: every failing row of each validation',
  });
}
