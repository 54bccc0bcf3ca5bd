/**
 * What a run was started by: a person (`manual`, the CLI), the HTTP API (`api`), the
 * scheduler's cron (`schedule`) or a sensor on upstream commits (`sensor`), a backfill,
 * a retry of a failed run, a monitor, or an external orchestrator (`airflow`).
 */
export type AssetRunTrigger = 'manual' | 'api' | 'schedule' | 'sensor' | 'backfill' | 'retry' | 'monitor' | 'airflow';
/**
 * `running` until it ends; `cancelled` when asked to stop (a signal or `aquifer runs cancel`);
 * `aborted` when found `running` after its process died (its lease expired). `skipped` is never
 * stored: runAsset returns it, with `onBusy: 'skip'`, for a run another one's lease kept out.
 */
export type AssetRunStatus = 'running' | 'success' | 'failed' | 'cancelled' | 'aborted' | 'skipped';

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
  /** Which attempt of its asset's retry policy this run is (absent: the first). */
  attempt?: number;
  /** The first run of the series this retry belongs to. */
  retryOf?: string;
  /** For a `skipped` run: the run whose lease kept it out. */
  heldBy?: string;
}

export interface AssetRunFilter {
  asset?: string;
  /** Only runs in this status (`running`: those in flight, or left so by a crash). */
  status?: AssetRunStatus;
  /** Newest first; at most this many (default 100). */
  limit?: number;
}

/**
 * The lease that keeps a second run of an asset and partition out while one works: held by
 * `holder` (a token of the run series), naming the attempt running now (`runId`) and the
 * process that holds it (`owner`: host and pid), until `expiresAt` (ms since the epoch, wall
 * clock: other processes compare it) unless a heartbeat renews it.
 */
export interface AssetLease {
  asset: string;
  partition?: string;
  holder: string;
  runId: string;
  owner: string;
  expiresAt: number;
}

export type AssetLeaseResult = { acquired: true } | { acquired: false; held: AssetLease };

/** One structured log line of a run. */
export interface AssetRunLogEntry {
  /** ISO 8601. */
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

/** A run keeps at most this many log lines; the last one then says the rest were dropped. */
export const MAX_RUN_LOG_LINES = 1000;

/**
 * The run history behind an interface: SQLite (the embedded default, `.aquifer/runs.db`) or
 * PostgreSQL for teams, as the model store does. Leases and cancel requests live here too,
 * so the CLI, a server and a scheduler on one project see each other's runs.
 */
export interface AssetRunStore {
  /** Record a run that has started (status `running`), so a crash leaves a trace. */
  start(run: AssetRun): Promise<void>;
  /**
   * Record how it ended, only if it is still `running` (compare and set): a run another process
   * already ended (marked `aborted` when it took the lease) keeps that mark. False when refused.
   */
  finish(id: string, outcome: Pick<AssetRun, 'finishedAt' | 'status' | 'error' | 'inputs' | 'outputVersion'>): Promise<boolean>;
  get(id: string): Promise<AssetRun | undefined>;
  list(filter?: AssetRunFilter): Promise<AssetRun[]>;
  /** The newest finished run of each asset and partition (partition undefined: the whole asset), for status. */
  latestFinished(): Promise<AssetRun[]>;
  /** The newest successful run of each asset and partition. */
  latestSuccessful(): Promise<AssetRun[]>;
  /**
   * Take the lease of `lease.asset` and partition in one atomic statement: when nobody holds
   * it, when it expired by `now`, or when it is held by `takeOver` (a holder found dead).
   * Otherwise says who holds it.
   */
  acquireLease(lease: AssetLease, now: number, takeOver?: string): Promise<AssetLeaseResult>;
  /** Extend the lease (and name the attempt now running) if `lease.holder` still holds it; false when it was lost. */
  renewLease(lease: AssetLease): Promise<boolean>;
  releaseLease(asset: string, partition: string | undefined, holder: string): Promise<void>;
  /** Who holds the lease of an asset and partition, expired or not. */
  lease(asset: string, partition: string | undefined): Promise<AssetLease | undefined>;
  /**
   * Mark `aborted` the runs of this asset and partition still `running` other than `except`:
   * called by the lease's new holder, so they can only be runs whose process died. Returns them.
   */
  abortOrphans(asset: string, partition: string | undefined, except: string, at: string): Promise<AssetRun[]>;
  /**
   * Ask a run to stop (its heartbeat sees it): a running one, or a failed attempt an unexpired
   * lease still names (its series waits to retry it). False when it is neither.
   */
  requestCancel(id: string): Promise<boolean>;
  cancelRequested(id: string): Promise<boolean>;
  /** Keep a log line of a run (at most MAX_RUN_LOG_LINES per run). */
  appendLog(id: string, entry: AssetRunLogEntry): Promise<void>;
  logs(id: string): Promise<AssetRunLogEntry[]>;
  close(): Promise<void>;
}
