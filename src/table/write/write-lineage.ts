import { sqlColumnLineage, type Engine } from '../../engine/index.js';
import { log } from '../../log.js';
import { jobRunsObserved } from '../../observe/index.js';
import { fileTable, readsDeltaTable } from './source-tables.js';
import type { TableChangeLineage } from './table-writer.js';
import type { WriteSource } from './write-source.js';

/**
 * Column lineage of a write from SQL (create, append, overwrite): which columns of the Delta
 * tables it scans feed each column written, read by sqlColumnLineage (a table scan's SQL leads to
 * that table, as for MERGE). Worked out only while someone observes job runs, never failing
 * the write; undefined when no written column comes from a dataset, so a write from literal
 * rows keeps lineage's whole-table reading.
 */
export async function writeLineage(engine: Engine, source: WriteSource, location: string): Promise<TableChangeLineage | undefined> {
  if (!jobRunsObserved() || !('sql' in source)) return undefined;
  try {
    // Only Delta tables are followed: a write from plain files (an ingestion) already names them as
    // its inputs, and reading a file's columns again (a CSV sniffed twice) would slow every load.
    const lineage = await sqlColumnLineage(engine, source.sql, async (reference) => (readsDeltaTable(reference) ? fileTable(engine, reference) : undefined));
    const columns = Object.fromEntries(Object.entries(lineage.columns).filter(([, sources]) => sources.length > 0));
    if (Object.keys(columns).length === 0) return undefined;
    return { columnLineage: columns, ...(lineage.dataset.length === 0 ? {} : { datasetLineage: lineage.dataset }) };
  } catch (error) {
    log.warn({ err: error, table: location }, 'could not work out the column lineage of a write');
    return undefined;
  }
}
