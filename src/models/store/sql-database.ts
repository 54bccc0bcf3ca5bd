/**
 * The little a metadata store needs from a SQL database, so one store runs on SQLite (in the
 * project) and on PostgreSQL. Statements use `?` placeholders; the PostgreSQL driver numbers
 * them. Both dialects take the same DDL and `INSERT … ON CONFLICT`.
 */
export interface SqlExecutor {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface SqlDatabase extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Run `work` in one transaction that holds the database's write lock from its start
   * (SQLite's BEGIN IMMEDIATE; a row lock taken by the first UPDATE on PostgreSQL), committed
   * when it resolves and rolled back when it throws.
   */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** See ModelStore.changeToken. */
  changeToken?(): string | undefined;
  close(): Promise<void>;
}

/** `?` → `$1, $2, …`, outside string literals. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}
