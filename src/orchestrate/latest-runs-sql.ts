/**
 * The run stores' summary table, `asset_latest`: one row per asset and partition holding its
 * newest finished run (what status shows of it) and the inputs its newest successful run read,
 * so `aquifer assets status` reads one row per key instead of grouping the whole history
 * (365,000 runs took seconds). A trigger on `asset_runs` keeps it: every statement that
 * finishes a run (finish, abortOrphans, a bulk insert of finished runs) updates the key's row
 * in its own transaction, whichever code path wrote it. The SQL here is the same on SQLite
 * and PostgreSQL; only the trigger's wrapping differs (in each store).
 *
 * `options`: SQLite's WITHOUT ROWID, so the table is stored in key order and read in it.
 */
export function latestTableSql(options = ''): string {
  return `
CREATE TABLE IF NOT EXISTS asset_latest (
  asset TEXT NOT NULL,
  partition TEXT NOT NULL DEFAULT '',
  finished_id TEXT NOT NULL,
  finished_seq BIGINT NOT NULL,
  status TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  output_version INTEGER,
  success_id TEXT,
  success_seq BIGINT,
  success_inputs TEXT,
  PRIMARY KEY (asset, partition)
)${options};
`;
}

const COLUMNS = 'asset, partition, finished_id, finished_seq, status, started_at, finished_at, output_version, success_id, success_seq, success_inputs';
const UPSERT = `ON CONFLICT (asset, partition) DO UPDATE SET finished_id = excluded.finished_id, finished_seq = excluded.finished_seq,
  status = excluded.status, started_at = excluded.started_at, finished_at = excluded.finished_at, output_version = excluded.output_version,
  success_id = excluded.success_id, success_seq = excluded.success_seq, success_inputs = excluded.success_inputs`;

/**
 * Recompute one key's row from its runs (the trigger's body; `asset` and `partition` are SQL
 * expressions such as NEW.asset): the newest finished and the newest successful run, each one
 * backward step on the (asset, partition, seq) index. Recomputed rather than compared, so a
 * run finished out of start order, or a success later marked otherwise, leaves it right.
 */
export function refreshLatestSql(asset: string, partition: string): string {
  const newest = (where: string) =>
    `(SELECT id, seq, asset, partition, status, started_at, finished_at, output_version, inputs FROM asset_runs
      WHERE asset = ${asset} AND partition = ${partition} AND ${where} ORDER BY seq DESC LIMIT 1)`;
  return `INSERT INTO asset_latest (${COLUMNS})
    SELECT f.asset, f.partition, f.id, f.seq, f.status, f.started_at, f.finished_at, f.output_version, s.id, s.seq, s.inputs
    FROM ${newest("status <> 'running'")} f LEFT JOIN ${newest("status = 'success'")} s ON 1 = 1
    WHERE true
    ${UPSERT}`;
}

/** Fill the summary from a history written before it existed (a store opened from an older file or database). */
export const BUILD_LATEST = `INSERT INTO asset_latest (${COLUMNS})
  SELECT f.asset, f.partition, f.id, f.seq, f.status, f.started_at, f.finished_at, f.output_version, s.id, s.seq, s.inputs
  FROM asset_runs f
  JOIN (SELECT asset, partition, MAX(seq) AS seq FROM asset_runs WHERE status <> 'running' GROUP BY asset, partition) lf
    ON f.asset = lf.asset AND f.partition = lf.partition AND f.seq = lf.seq
  LEFT JOIN (SELECT asset, partition, MAX(seq) AS seq FROM asset_runs WHERE status = 'success' GROUP BY asset, partition) ls
    ON ls.asset = f.asset AND ls.partition = f.partition
  LEFT JOIN asset_runs s ON s.asset = ls.asset AND s.partition = ls.partition AND s.seq = ls.seq
  WHERE true
  ${UPSERT}`;

/** What status reads of a summary row (LatestRow). */
export const LATEST_SELECT = 'SELECT asset, partition, finished_id, status, started_at, finished_at, output_version, success_inputs FROM asset_latest';

/** The full runs the summary points at (`finished_id` or `success_id`), for latestFinished and latestSuccessful. */
export function latestRunsSql(pointer: 'finished_id' | 'success_id'): string {
  return `SELECT r.* FROM asset_latest l JOIN asset_runs r ON r.id = l.${pointer} ORDER BY l.asset, l.partition`;
}
