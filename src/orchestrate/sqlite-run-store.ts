import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AquiferError } from '../errors.js';
import {
  MAX_RUN_LOG_LINES,
  type AssetLease,
  type AssetLeaseResult,
  type AssetRun,
  type AssetRunFilter,
  type AssetRunLogEntry,
  type AssetRunStatus,
  type AssetRunStore,
  type AssetRunTrigger,
} from './run-store.js';

/** The schema this code writes; a file with a newer one is refused rather than misread. */
export const RUN_STORE_SCHEMA_VERSION = 2;
/** The run history of a project, beside its other metadata. */
export const RUN_STORE_FILE = path.join('.aquifer', 'runs.db');

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS asset_runs (
  id TEXT PRIMARY KEY,
  asset TEXT NOT NULL,
  -- '' for a run of the whole asset: a key column, so no NULL
  partition TEXT NOT NULL DEFAULT '',
  trigger TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  error_code TEXT,
  error_message TEXT,
  inputs TEXT NOT NULL DEFAULT '{}',
  output_version INTEGER,
  seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS asset_runs_by_asset ON asset_runs (asset, partition, seq);
`;

/** Version 2: retries and cancel requests on runs; leases; logs. */
const SCHEMA_V2 = `
ALTER TABLE asset_runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE asset_runs ADD COLUMN retry_of TEXT;
ALTER TABLE asset_runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS asset_runs_by_status ON asset_runs (status);
CREATE TABLE IF NOT EXISTS asset_leases (
  asset TEXT NOT NULL,
  partition TEXT NOT NULL DEFAULT '',
  holder TEXT NOT NULL,
  run_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (asset, partition)
);
CREATE TABLE IF NOT EXISTS asset_run_logs (
  run_id TEXT NOT NULL,
  line INTEGER NOT NULL,
  at TEXT NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  data TEXT,
  PRIMARY KEY (run_id, line)
);
`;

interface Row {
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

interface LeaseRow {
  asset: string;
  partition: string;
  holder: string;
  run_id: string;
  owner: string;
  expires_at: number;
}

/**
 * The run history in SQLite (better-sqlite3, WAL so a server and a CLI command can share
 * it). `seq` orders runs by when they started, for "the newest run", without trusting clocks
 * to differ.
 */
export class SqliteRunStore implements AssetRunStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.migrate(file);
  }

  /** The project's run history. */
  static open(projectRoot: string): SqliteRunStore {
    return new SqliteRunStore(path.join(projectRoot, RUN_STORE_FILE));
  }

  private migrate(file: string): void {
    const version = Number(this.db.pragma('user_version', { simple: true }));
    if (version > RUN_STORE_SCHEMA_VERSION)
      throw new AquiferError(
        'ASSET_RUN_STORE_INVALID',
        `${file} has run history schema version ${version}; this Aquifer knows up to ${RUN_STORE_SCHEMA_VERSION}`,
        {
          value: file,
          hint: 'Upgrade Aquifer to read this project.',
        },
      );
    if (version < RUN_STORE_SCHEMA_VERSION) {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        if (version < 1) this.db.exec(SCHEMA_V1);
        this.db.exec(SCHEMA_V2);
        this.db.pragma(`user_version = ${RUN_STORE_SCHEMA_VERSION}`);
        this.db.exec('COMMIT');
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    }
    // The next run's seq is MAX(seq) + 1: without this index every recorded run scanned the whole
    // history (20–40 ms at 365,000 runs). An index changes no row, so it needs no schema version:
    // made on open when missing, ignored by an older Aquifer.
    this.db.exec('CREATE INDEX IF NOT EXISTS asset_runs_by_seq ON asset_runs (seq)');
  }

  start(run: AssetRun): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO asset_runs (id, asset, partition, trigger, started_at, status, inputs, attempt, retry_of, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM asset_runs))`,
      )
      .run(run.id, run.asset, run.partition ?? '', run.trigger, run.startedAt, run.status, JSON.stringify(run.inputs), run.attempt ?? 1, run.retryOf ?? null);
    return Promise.resolve();
  }

  finish(id: string, outcome: Pick<AssetRun, 'finishedAt' | 'status' | 'error' | 'inputs' | 'outputVersion'>): Promise<boolean> {
    const ended = this.db
      .prepare(
        "UPDATE asset_runs SET finished_at = ?, status = ?, error_code = ?, error_message = ?, inputs = ?, output_version = ? WHERE id = ? AND status = 'running'",
      )
      .run(
        outcome.finishedAt ?? new Date().toISOString(),
        outcome.status,
        outcome.error?.code ?? null,
        outcome.error?.message ?? null,
        JSON.stringify(outcome.inputs),
        outcome.outputVersion ?? null,
        id,
      );
    return Promise.resolve(ended.changes === 1);
  }

  get(id: string): Promise<AssetRun | undefined> {
    const row = this.db.prepare('SELECT * FROM asset_runs WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row === undefined ? undefined : toRun(row));
  }

  list(filter: AssetRunFilter = {}): Promise<AssetRun[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 100_000));
    const where: string[] = [];
    const parameters: (string | number)[] = [];
    if (filter.asset !== undefined) {
      where.push('asset = ?');
      parameters.push(filter.asset);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      parameters.push(filter.status);
    }
    const rows = this.db
      .prepare(`SELECT * FROM asset_runs ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY seq DESC LIMIT ?`)
      .all(...parameters, limit) as Row[];
    return Promise.resolve(rows.map(toRun));
  }

  latestFinished(): Promise<AssetRun[]> {
    return Promise.resolve(this.latest("status <> 'running'"));
  }

  latestSuccessful(): Promise<AssetRun[]> {
    return Promise.resolve(this.latest("status = 'success'"));
  }

  private latest(where: string): AssetRun[] {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM asset_runs r
         JOIN (SELECT asset, partition, MAX(seq) AS seq FROM asset_runs WHERE ${where} GROUP BY asset, partition) l
           ON r.asset = l.asset AND r.partition = l.partition AND r.seq = l.seq
         ORDER BY r.asset, r.partition`,
      )
      .all() as Row[];
    return rows.map(toRun);
  }

  acquireLease(lease: AssetLease, now: number, takeOver?: string): Promise<AssetLeaseResult> {
    // One statement: insert, or take over a lease that expired (or whose holder was found dead).
    const taken = this.db
      .prepare(
        `INSERT INTO asset_leases (asset, partition, holder, run_id, owner, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (asset, partition) DO UPDATE SET holder = excluded.holder, run_id = excluded.run_id, owner = excluded.owner, expires_at = excluded.expires_at
         WHERE asset_leases.expires_at <= ? OR asset_leases.holder = ?`,
      )
      .run(lease.asset, lease.partition ?? '', lease.holder, lease.runId, lease.owner, lease.expiresAt, now, takeOver ?? '');
    if (taken.changes === 1) return Promise.resolve({ acquired: true });
    const held = this.leaseRow(lease.asset, lease.partition);
    // Released between the two statements: try once more.
    if (held === undefined) return this.acquireLease(lease, now, takeOver);
    return Promise.resolve({ acquired: false, held });
  }

  renewLease(lease: AssetLease): Promise<boolean> {
    const renewed = this.db
      .prepare('UPDATE asset_leases SET expires_at = ?, run_id = ? WHERE asset = ? AND partition = ? AND holder = ?')
      .run(lease.expiresAt, lease.runId, lease.asset, lease.partition ?? '', lease.holder);
    return Promise.resolve(renewed.changes === 1);
  }

  releaseLease(asset: string, partition: string | undefined, holder: string): Promise<void> {
    this.db.prepare('DELETE FROM asset_leases WHERE asset = ? AND partition = ? AND holder = ?').run(asset, partition ?? '', holder);
    return Promise.resolve();
  }

  lease(asset: string, partition: string | undefined): Promise<AssetLease | undefined> {
    return Promise.resolve(this.leaseRow(asset, partition));
  }

  private leaseRow(asset: string, partition: string | undefined): AssetLease | undefined {
    const row = this.db.prepare('SELECT * FROM asset_leases WHERE asset = ? AND partition = ?').get(asset, partition ?? '') as LeaseRow | undefined;
    return row === undefined ? undefined : toLease(row);
  }

  abortOrphans(asset: string, partition: string | undefined, except: string, at: string): Promise<AssetRun[]> {
    const rows = this.db
      .prepare(
        `UPDATE asset_runs SET status = 'aborted', finished_at = ?, error_code = 'ASSET_RUN_ABORTED', error_message = 'its process stopped while it ran (its lease expired)'
         WHERE asset = ? AND partition = ? AND status = 'running' AND id <> ? RETURNING *`,
      )
      .all(at, asset, partition ?? '', except) as Row[];
    return Promise.resolve(rows.map(toRun));
  }

  requestCancel(id: string): Promise<boolean> {
    const marked = this.db
      .prepare(
        "UPDATE asset_runs SET cancel_requested = 1 WHERE id = ? AND (status = 'running' OR id IN (SELECT run_id FROM asset_leases WHERE expires_at > ?))",
      )
      .run(id, Date.now());
    return Promise.resolve(marked.changes === 1);
  }

  cancelRequested(id: string): Promise<boolean> {
    const row = this.db.prepare('SELECT cancel_requested FROM asset_runs WHERE id = ?').get(id) as { cancel_requested: number } | undefined;
    return Promise.resolve(row?.cancel_requested === 1);
  }

  appendLog(id: string, entry: AssetRunLogEntry): Promise<void> {
    // The line number is the count so far; past the bound, one last line says so and the rest are dropped.
    this.db
      .prepare(
        `INSERT INTO asset_run_logs (run_id, line, at, level, message, data)
         SELECT ?, n, ?, CASE WHEN n = ? THEN 'warn' ELSE ? END, CASE WHEN n = ? THEN 'later log lines were dropped' ELSE ? END, CASE WHEN n = ? THEN NULL ELSE ? END
         FROM (SELECT COUNT(*) AS n FROM asset_run_logs WHERE run_id = ?) WHERE n <= ?`,
      )
      .run(
        id,
        entry.at,
        MAX_RUN_LOG_LINES - 1,
        entry.level,
        MAX_RUN_LOG_LINES - 1,
        entry.message,
        MAX_RUN_LOG_LINES - 1,
        entry.data === undefined ? null : JSON.stringify(entry.data),
        id,
        MAX_RUN_LOG_LINES - 1,
      );
    return Promise.resolve();
  }

  logs(id: string): Promise<AssetRunLogEntry[]> {
    const rows = this.db.prepare('SELECT at, level, message, data FROM asset_run_logs WHERE run_id = ? ORDER BY line').all(id) as {
      at: string;
      level: AssetRunLogEntry['level'];
      message: string;
      data: string | null;
    }[];
    return Promise.resolve(
      rows.map((r) => ({ at: r.at, level: r.level, message: r.message, ...(r.data === null ? {} : { data: JSON.parse(r.data) as Record<string, unknown> }) })),
    );
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

function toRun(row: Row): AssetRun {
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

function toLease(row: LeaseRow): AssetLease {
  return {
    asset: row.asset,
    ...(row.partition === '' ? {} : { partition: row.partition }),
    holder: row.holder,
    runId: row.run_id,
    owner: row.owner,
    expiresAt: row.expires_at,
  };
}
