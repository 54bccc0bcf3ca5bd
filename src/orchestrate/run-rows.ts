import type { AssetLatest, AssetLease, AssetRun, AssetRunStatus, AssetRunSummary, AssetRunTrigger } from './run-store.js';

/**
 * The rows both run stores read, and how they become runs, leases and summaries: the SQLite
 * and PostgreSQL tables have the same columns (a partition is '' for a whole-asset run, a key
 * column without NULL), so one mapping serves both.
 */
export interface RunRow {
  id: string;
  asset: string;
  partition: string;
  trigger: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  inputs: string;
  output_version: number | null;
  attempt: number;
  retry_of: string | null;
}

export interface LeaseRow {
  asset: string;
  partition: string;
  holder: string;
  run_id: string;
  owner: string;
  /** A number from SQLite, a string from PostgreSQL's BIGINT. */
  expires_at: number | string;
}

/** One row of `asset_latest` as status reads it (see latest-runs-sql.ts). */
export interface LatestRow {
  asset: string;
  partition: string;
  finished_id: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  output_version: number | null;
  success_inputs: string | null;
}

export function toRun(row: RunRow): AssetRun {
  return {
    id: row.id,
    asset: row.asset,
    ...(row.partition === '' ? {} : { partition: row.partition }),
    trigger: row.trigger as AssetRunTrigger,
    startedAt: row.started_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    status: row.status as AssetRunStatus,
    ...(row.error_message === null ? {} : { error: { ...(row.error_code === null ? {} : { code: row.error_code }), message: row.error_message } }),
    inputs: JSON.parse(row.inputs) as Record<string, number>,
    ...(row.output_version === null ? {} : { outputVersion: row.output_version }),
    ...(row.attempt === 1 ? {} : { attempt: row.attempt }),
    ...(row.retry_of === null ? {} : { retryOf: row.retry_of }),
  };
}

export function toLease(row: LeaseRow): AssetLease {
  return {
    asset: row.asset,
    ...(row.partition === '' ? {} : { partition: row.partition }),
    holder: row.holder,
    runId: row.run_id,
    owner: row.owner,
    expiresAt: Number(row.expires_at),
  };
}

/**
 * Summary rows to AssetLatest. `inputs` parses each distinct inputs text once: the partitions
 * of an asset backfilled together read the same versions, so at 365,000 keys most rows share a
 * handful of texts, and status judges each distinct object once.
 */
export function latestMapper(): (row: LatestRow) => AssetLatest {
  const inputs = new Map<string, Readonly<Record<string, number>>>();
  const parsed = (text: string) => {
    let value = inputs.get(text);
    if (value === undefined) {
      value = Object.freeze(JSON.parse(text) as Record<string, number>);
      inputs.set(text, value);
    }
    return value;
  };
  // Built by assignment, not spreads of optional parts: at 365,000 rows the spreads' temporary objects showed.
  return (row) => {
    const finished: AssetRunSummary = { id: row.finished_id, status: row.status as AssetRunStatus, startedAt: row.started_at };
    if (row.finished_at !== null) finished.finishedAt = row.finished_at;
    if (row.output_version !== null) finished.outputVersion = row.output_version;
    const latest: AssetLatest = { asset: row.asset, finished };
    if (row.partition !== '') latest.partition = row.partition;
    if (row.success_inputs !== null) latest.successInputs = parsed(row.success_inputs);
    return latest;
  };
}
