import { statsNumRecords, type DeltaTable, type HistoryEntry } from '../../table/index.js';

/** The first page of commits read from a table's log (newest first); each next page is twice as long. */
const FIRST_PAGE = 1_000;

/** Rows one commit added to the table, from its log alone. */
export interface CommitRows {
  version: number;
  /** Commit time, epoch milliseconds. */
  timestamp: number;
  rows: number;
}

/** Commits that rewrite or drop rows without adding new ones: their output rows are not volume. */
const NOT_ADDING = new Set(['DELETE', 'UPDATE', 'OPTIMIZE', 'RESTORE', 'VACUUM START', 'VACUUM END']);

/** The commits that added rows, newest first, and whether the log was read back to version 0. */
export interface CommitRowsRead {
  commits: CommitRows[];
  /** Version 0's commit time when the read reached it (the table's creation), else undefined. */
  created?: number;
}

/**
 * The rows each commit added, newest first, from the Delta log without scanning data: the
 * commit's `operationMetrics` (`numOutputRows`; a MERGE's `numTargetRowsInserted`) and, for
 * writers that record none, its add actions' `stats.numRecords`. Commits that add nothing
 * (deletes, compactions, schema changes) are left out. Reads back until a commit older than
 * `since` (epoch ms), or until `count` adding commits were found, in pages that double, so a
 * log that commits every second (a stream, a prediction log) is read as far back as the
 * window needs and no further.
 */
export async function rowsPerCommit(table: DeltaTable, options: { since?: number; count?: number } = {}): Promise<CommitRowsRead> {
  const done = new Set<number>();
  const out: CommitRows[] = [];
  for (let limit = FIRST_PAGE; ; limit *= 2) {
    const history = await table.history({ limit });
    let reachedSince = false;
    for (const entry of history) {
      if (options.since !== undefined && entry.timestamp < options.since) {
        reachedSince = true;
        continue;
      }
      if (done.has(entry.version)) continue;
      done.add(entry.version);
      const rows = await commitRows(table, entry);
      if (rows !== undefined) out.push({ version: entry.version, timestamp: entry.timestamp, rows });
    }
    const oldest = history.at(-1);
    const exhausted = history.length < limit;
    if (exhausted || reachedSince || (options.count !== undefined && out.length >= options.count)) {
      out.sort((a, b) => b.version - a.version);
      return { commits: out, ...(exhausted && oldest?.version === 0 ? { created: oldest.timestamp } : {}) };
    }
  }
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
