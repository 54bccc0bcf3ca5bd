import { AquiferError } from '../errors.js';

/** DuckDB refused a statement the engine built or the user gave. */
export class EngineQueryError extends AquiferError {
  constructor(message: string, sql: string, cause: unknown) {
    super('ENGINE_QUERY_FAILED', message, {
      value: sql.length > 2000 ? `${sql.slice(0, 2000)}…` : sql,
      hint: 'Check the SQL expression or the data files it reads; the DuckDB message above names the problem.',
      cause,
    });
  }
}
