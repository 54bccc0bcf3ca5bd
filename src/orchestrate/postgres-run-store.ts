import pg from 'pg';
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
import { RUN_STORE_SCHEMA_VERSION } from './sqlite-run-store.js';

// The same tables as the SQLite store's, in one go (PostgreSQL stores start at the current version).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS asset_run_store (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS asset_runs (
  id TEXT PRIMARY KEY,
  asset TEXT NOT NULL,
  partition TEXT NOT NULL DEFAULT '',
  trigger TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,
  error_code TEXT,
  error_message TEXT,
  inputs TEXT NOT NULL DEFAULT '{}',
  output_version INTEGER,
  attempt INTEGER NOT NULL DEFAULT 1,
  retry_of TEXT,
  cancel_requested BOOLEAN NOT NULL DEFAULT false,
  seq BIGSERIAL NOT NULL
);
CREATE INDEX IF NOT EXISTS asset_runs_by_asset ON asset_runs (asset, partition, seq);
CREATE INDEX IF NOT EXISTS asset_runs_by_status ON asset_runs (status);
CREATE TABLE IF NOT EXISTS asset_leases (
  asset TEXT NOT NULL,
  partition TEXT NOT NULL DEFAULT '',
  holder TEXT NOT NULL,
  run_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
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
/** Any constant: the advisory lock two processes creating the tables at once take turns on. */
const SCHEMA_LOCK = 0x61717266;

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
  expires_at: string;
}

/**
 * The run history on PostgreSQL, for teams whose CLI, servers and schedulers run on several
 * hosts: chosen by the project's `backends.metadata` as the model store is. Leases are one
 * `INSERT … ON CONFLICT DO UPDATE … WHERE` statement, atomic as on SQLite.
 */
export class PostgresRunStore implements AssetRunStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(connectionString: string): Promise<PostgresRunStore> {
    const pool = new pg.Pool({ connectionString, max: 4 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
      const rows = (await client.query<{ version: number }>('SELECT version FROM asset_run_store')).rows;
      const version = rows[0]?.version;
      if (version === undefined) await client.query('INSERT INTO asset_run_store (version) VALUES ($1)', [RUN_STORE_SCHEMA_VERSION]);
      else if (version > RUN_STORE_SCHEMA_VERSION)
        throw new AquiferError(
          'ASSET_RUN_STORE_INVALID',
          `The PostgreSQL run history has schema version ${version}; this Aquifer knows up to ${RUN_STORE_SCHEMA_VERSION}`,
          {
            value: version,
            hint: 'Upgrade Aquifer to use this run history.',
          },
        );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      await pool.end();
      throw error;
    }
    client.release();
    return new PostgresRunStore(pool);
  }

  private async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, [...params])).rows;
  }

  async start(run: AssetRun): Promise<void> {
    await this.query(
      `INSERT INTO asset_runs (id, asset, partition, trigger, started_at, status, inputs, attempt, retry_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [run.id, run.asset, run.partition ?? '', run.trigger, run.startedAt, run.status, JSON.stringify(run.inputs), run.attempt ?? 1, run.retryOf ?? null],
    );
  }

  async finish(id: string, outcome: Pick<AssetRun, 'finishedAt' | 'status' | 'error' | 'inputs' | 'outputVersion'>): Promise<boolean> {
    const ended = await this.query(
      "UPDATE asset_runs SET finished_at = $1, status = $2, error_code = $3, error_message = $4, inputs = $5, output_version = $6 WHERE id = $7 AND status = 'running' RETURNING id",
      [
        outcome.finishedAt ?? new Date().toISOString(),
        outcome.status,
        outcome.error?.code ?? null,
        outcome.error?.message ?? null,
        JSON.stringify(outcome.inputs),
        outcome.outputVersion ?? null,
        id,
      ],
    );
    return ended.length === 1;
  }

  async get(id: string): Promise<AssetRun | undefined> {
    const [row] = await this.query<Row>('SELECT * FROM asset_runs WHERE id = $1', [id]);
    return row === undefined ? undefined : toRun(row);
  }

  async list(filter: AssetRunFilter = {}): Promise<AssetRun[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 100_000));
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.asset !== undefined) where.push(`asset = $${params.push(filter.asset)}`);
    if (filter.status !== undefined) where.push(`status = $${params.push(filter.status)}`);
    const rows = await this.query<Row>(
      `SELECT * FROM asset_runs ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY seq DESC LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(toRun);
  }

  latestFinished(): Promise<AssetRun[]> {
    return this.latest("status <> 'running'");
  }

  latestSuccessful(): Promise<AssetRun[]> {
    return this.latest("status = 'success'");
  }

  private async latest(where: string): Promise<AssetRun[]> {
    const rows = await this.query<Row>(`SELECT DISTINCT ON (asset, partition) * FROM asset_runs WHERE ${where} ORDER BY asset, partition, seq DESC`);
    return rows.map(toRun);
  }

  async acquireLease(lease: AssetLease, now: number, takeOver?: string): Promise<AssetLeaseResult> {
    const taken = await this.query(
      `INSERT INTO asset_leases (asset, partition, holder, run_id, owner, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (asset, partition) DO UPDATE SET holder = excluded.holder, run_id = excluded.run_id, owner = excluded.owner, expires_at = excluded.expires_at
       WHERE asset_leases.expires_at <= $7 OR asset_leases.holder = $8
       RETURNING holder`,
      [lease.asset, lease.partition ?? '', lease.holder, lease.runId, lease.owner, lease.expiresAt, now, takeOver ?? ''],
    );
    if (taken.length === 1) return { acquired: true };
    const held = await this.lease(lease.asset, lease.partition);
    // Released between the two statements: try once more.
    if (held === undefined) return this.acquireLease(lease, now, takeOver);
    return { acquired: false, held };
  }

  async renewLease(lease: AssetLease): Promise<boolean> {
    const renewed = await this.query(
      'UPDATE asset_leases SET expires_at = $1, run_id = $2 WHERE asset = $3 AND partition = $4 AND holder = $5 RETURNING holder',
      [lease.expiresAt, lease.runId, lease.asset, lease.partition ?? '', lease.holder],
    );
    return renewed.length === 1;
  }

  async releaseLease(asset: string, partition: string | undefined, holder: string): Promise<void> {
    await this.query('DELETE FROM asset_leases WHERE asset = $1 AND partition = $2 AND holder = $3', [asset, partition ?? '', holder]);
  }

  async lease(asset: string, partition: string | undefined): Promise<AssetLease | undefined> {
    const [row] = await this.query<LeaseRow>('SELECT * FROM asset_leases WHERE asset = $1 AND partition = $2', [asset, partition ?? '']);
    return row === undefined
      ? undefined
      : {
          asset: row.asset,
          ...(row.partition === '' ? {} : { partition: row.partition }),
          holder: row.holder,
          runId: row.run_id,
          owner: row.owner,
          expiresAt: Number(row.expires_at),
        };
  }

  async abortOrphans(asset: string, partition: string | undefined, except: string, at: string): Promise<AssetRun[]> {
    const rows = await this.query<Row>(
      `UPDATE asset_runs SET status = 'aborted', finished_at = $1, error_code = 'ASSET_RUN_ABORTED', error_message = 'its process stopped while it ran (its lease expired)'
       WHERE asset = $2 AND partition = $3 AND status = 'running' AND id <> $4 RETURNING *`,
      [at, asset, partition ?? '', except],
    );
    return rows.map(toRun);
  }

  async requestCancel(id: string): Promise<boolean> {
    const marked = await this.query(
      "UPDATE asset_runs SET cancel_requested = true WHERE id = $1 AND (status = 'running' OR id IN (SELECT run_id FROM asset_leases WHERE expires_at > $2)) RETURNING id",
      [id, Date.now()],
    );
    return marked.length === 1;
  }

  async cancelRequested(id: string): Promise<boolean> {
    const [row] = await this.query<{ cancel_requested: boolean }>('SELECT cancel_requested FROM asset_runs WHERE id = $1', [id]);
    return row?.cancel_requested === true;
  }

  async appendLog(id: string, entry: AssetRunLogEntry): Promise<void> {
    const last = MAX_RUN_LOG_LINES - 1;
    await this.query(
      `INSERT INTO asset_run_logs (run_id, line, at, level, message, data)
       SELECT $1, n, $2, CASE WHEN n = $3 THEN 'warn' ELSE $4 END, CASE WHEN n = $3 THEN 'later log lines were dropped' ELSE $5 END, CASE WHEN n = $3 THEN NULL ELSE $6 END
       FROM (SELECT COUNT(*)::INTEGER AS n FROM asset_run_logs WHERE run_id = $1) c WHERE n <= $3
       ON CONFLICT DO NOTHING`,
      [id, entry.at, last, entry.level, entry.message, entry.data === undefined ? null : JSON.stringify(entry.data)],
    );
  }

  async logs(id: string): Promise<AssetRunLogEntry[]> {
    const rows = await this.query<{ at: string; level: AssetRunLogEntry['level']; message: string; data: string | null }>(
      'SELECT at, level, message, data FROM asset_run_logs WHERE run_id = $1 ORDER BY line',
      [id],
    );
    return rows.map((r) => ({
      at: r.at,
      level: r.level,
      message: r.message,
      ...(r.data === null ? {} : { data: JSON.parse(r.data) as Record<string, unknown> }),
    }));
  }

  async close(): Promise<void> {
    await this.pool.end();
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
