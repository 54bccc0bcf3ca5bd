import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AquiferError } from '../errors.js';
import type { AssetRun, AssetRunFilter, AssetRunStatus, AssetRunStore, AssetRunTrigger } from './run-store.js';

/** The schema this code writes; a file with a newer one is refused rather than misread. */
export const RUN_STORE_SCHEMA_VERSION = 1;
/** The run history of a project, beside its other metadata. */
export const RUN_STORE_FILE = path.join('.aquifer', 'runs.db');

const SCHEMA = `
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
        this.db.exec(SCHEMA);
        this.db.pragma(`user_version = ${RUN_STORE_SCHEMA_VERSION}`);
        this.db.exec('COMMIT');
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    }
  }

  start(run: AssetRun): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO asset_runs (id, asset, partition, trigger, started_at, status, inputs, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM asset_runs))`,
      )
      .run(run.id, run.asset, run.partition ?? '', run.trigger, run.startedAt, run.status, JSON.stringify(run.inputs));
    return Promise.resolve();
  }

  finish(id: string, outcome: Pick<AssetRun, 'finishedAt' | 'status' | 'error' | 'inputs' | 'outputVersion'>): Promise<void> {
    this.db
      .prepare('UPDATE asset_runs SET finished_at = ?, status = ?, error_code = ?, error_message = ?, inputs = ?, output_version = ? WHERE id = ?')
      .run(
        outcome.finishedAt ?? new Date().toISOString(),
        outcome.status,
        outcome.error?.code ?? null,
        outcome.error?.message ?? null,
        JSON.stringify(outcome.inputs),
        outcome.outputVersion ?? null,
        id,
      );
    return Promise.resolve();
  }

  get(id: string): Promise<AssetRun | undefined> {
    const row = this.db.prepare('SELECT * FROM asset_runs WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(row === undefined ? undefined : toRun(row));
  }

  list(filter: AssetRunFilter = {}): Promise<AssetRun[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 100_000));
    const rows = (
      filter.asset === undefined
        ? this.db.prepare('SELECT * FROM asset_runs ORDER BY seq DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM asset_runs WHERE asset = ? ORDER BY seq DESC LIMIT ?').all(filter.asset, limit)
    ) as Row[];
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
  };
}
