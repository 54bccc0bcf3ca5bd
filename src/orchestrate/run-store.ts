/**
 * What a run was started by: a person (`manual`, the CLI), the HTTP API (`api`), the
 * scheduler's cron (`schedule`) or a sensor on upstream commits (`sensor`), a backfill,
 * a retry of a failed run, a monitor, or an external orchestrator (`airflow`).
 */
export type AssetRunTrigger = 'manual' | 'api' | 'schedule' | 'sensor' | 'backfill' | 'retry' | 'monitor' | 'airflow';
export type AssetRunStatus = 'running' | 'success' | 'failed';

/** One run of one asset (and partition), as the run history keeps it. */
export interface AssetRun {
  id: string;
  asset: string;
  partition?: string;
  trigger: AssetRunTrigger;
  /** ISO 8601. */
  startedAt: string;
  finishedAt?: string;
  status: AssetRunStatus;
  error?: { code?: string; message: string };
  /** The version of each input table the run read, by table name. */
  inputs: Record<string, number>;
  /** The version of the asset's table the run wrote. */
  outputVersion?: number;
}

export interface AssetRunFilter {
  asset?: string;
  /** Newest first; at most this many (default 100). */
  limit?: number;
}

/**
 * The run history behind an interface, so PostgreSQL can follow SQLite (the embedded
 * default, `.aquifer/runs.db`) for teams, as the model store did.
 */
export interface AssetRunStore {
  /** Record a run that has started (status `running`), so a crash leaves a trace. */
  start(run: AssetRun): Promise<void>;
  /** Record how it ended. */
  finish(id: string, outcome: Pick<AssetRun, 'finishedAt' | 'status' | 'error' | 'inputs' | 'outputVersion'>): Promise<void>;
  get(id: string): Promise<AssetRun | undefined>;
  list(filter?: AssetRunFilter): Promise<AssetRun[]>;
  /** The newest finished run of each asset and partition (partition undefined: the whole asset), for status. */
  latestFinished(): Promise<AssetRun[]>;
  /** The newest successful run of each asset and partition. */
  latestSuccessful(): Promise<AssetRun[]>;
  close(): Promise<void>;
}
