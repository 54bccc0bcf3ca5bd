import pg from 'pg';
import { numberPlaceholders, type SqlDatabase, type SqlExecutor } from './sql-database.js';

// BIGINT comes back as a string by default; every BIGINT here is a time, step or id that fits a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** PostgreSQL through a `pg` pool: the scale-out metadata store. */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 4 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  async query<T extends object = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(numberPlaceholders(sql), [...params]);
    return result.rows as T[];
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) => (await client.query(numberPlaceholders(sql), [...params])).rows as R[],
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
