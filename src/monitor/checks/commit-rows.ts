import { statsNumRecords, type DeltaTable, type HistoryEntry } from '../../table/index.js';

/** The most commits a volume or quarantine check reads from a table's log (newest first). */
export const MAX_COMMITS_READ = 10_000;

/** Rows one commit added to the table, from its log alone. */
export interface CommitRows {
  version: number;
  /** Commit time, epoch milliseconds. */
  timestamp: number;
  rows: number;
}

/** Commits that rewrite or drop rows without adding new ones: their output rows are not volume. */
const NOT_ADDING = new Set(['DELETE', 'UPDATE', 'OPTIMIZE', 'RESTORE', 'VACUUM START', 'VACUUM END']);

/**
 * The rows each commit added, newest first, from the Delta log without scanning data: the
 * commit's `operationMetrics` (`numOutputRows`; a MERGE's `numTargetRowsInserted`) and, for
 * writers that record none, its add actions' `stats.numRecords`. Commits that add nothing
 * (deletes, compactions, schema changes) are left out. Only commits after `since` (epoch ms)
 * when given.
 */
export async function rowsPerCommit(table: DeltaTable, options: { since?: number } = {}): Promise<CommitRows[]> {
  const history = await table.history({ limit: MAX_COMMITS_READ });
  const out: CommitRows[] = [];
  for (const entry of history) {
    if (options.since !== undefined && entry.timestamp < options.since) continue;
    const rows = await commitRows(table, entry);
    if (rows !== undefined) out.push({ version: entry.version, timestamp: entry.timestamp, rows });
  }
  return out;
}

async function commitRows(table: DeltaTable, entry: HistoryEntry): Promise<number | undefined> {
  if (entry.operation !== undefined && NOT_ADDING.has(entry.operation)) return undefined;
  const metric = entry.operation === 'MERGE' ? entry.operationMetrics['numTargetRowsInserted'] : entry.operationMetrics['numOutputRows'];
  const fromMetrics = metric === undefined || metric === null ? undefined : Number(metric);
  if (fromMetrics !== undefined && Number.isFinite(fromMetrics)) return fromMetrics;
  // No metrics (another writer): the adds' own row counts, when every added file has them.
  const adds = (await table.commitActions(entry.version)).flatMap((a) => (a.kind === 'add' && a.add.dataChange ? [a.add] : []));
  if (adds.length === 0) return undefined;
  let rows = 0;
  for (const add of adds) {
    const n = statsNumRecords(add);
    if (n === undefined) return undefined;
    rows += n;
  }
  return rows;
}
