import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDatabase, SqlExecutor } from './sql-database.js';

/**
 * SQLite through better-sqlite3, in WAL mode so the server and a CLI command can share the
 * file. better-sqlite3 is synchronous; the queue keeps one transaction's statements from
 * interleaving with another's across its awaits.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly statements = new Map<string, Database.Statement>();
  /** Statements this connection ran that may have written: SQLite's data_version counts only other connections' commits. */
  private writes = 0;
  private dataVersion: Database.Statement | undefined;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // Another process holding the write lock is waited for, not an error.
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
  }

  query<T extends object = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.serialized(async () => this.run<T>(sql, params));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work({ query: async <R extends object>(sql: string, params: readonly unknown[] = []) => this.run<R>(sql, params) });
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** This connection's writes and SQLite's count of other connections' (and processes') commits: cheap, since it reads no page. */
  changeToken(): string | undefined {
    if (!this.db.open) return undefined;
    this.dataVersion ??= this.db.prepare('PRAGMA data_version').pluck();
    return `${this.writes}.${String(this.dataVersion.get())}`;
  }

  close(): Promise<void> {
    return this.serialized(async () => {
      this.db.close();
    });
  }

  private run<T>(sql: string, params: readonly unknown[]): T[] {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      // Statements are few and fixed (the store's own SQL), so they are kept: preparing one costs more than running it.
      if (this.statements.size < 512) this.statements.set(sql, statement);
    }
    const values = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
    if (statement.reader) return statement.all(...values) as T[];
    this.writes++;
    statement.run(...values);
    return [];
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
