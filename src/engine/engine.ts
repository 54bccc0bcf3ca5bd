import { DuckDBConnection, DuckDBInstance, DuckDBScalarFunction, JsonDuckDBValueConverter, VARCHAR, type DuckDBResultReader } from '@duckdb/node-api';
import { EngineQueryError, EngineSecretError } from './errors.js';
import { ExtensionLoader, resolveExtensionDirectory, type DuckDBExtension } from './extensions.js';
import { azureSecretStatement, type AzureSecretOptions } from './azure-secret.js';
import { s3SecretStatement, scrubSecrets, type S3SecretOptions } from './s3-secret.js';
import './bom-safe-strings.js';

export type Row = Record<string, unknown>;

export interface QueryOptions {
  onProgress?: (fraction: number) => void;
}

export interface EngineOptions {
  /** Worker threads DuckDB may use; defaults to DuckDB's own choice (all cores). */
  threads?: number;
  /** DuckDB memory limit, such as '4GB'. */
  memoryLimit?: string;
  /** Where DuckDB spills when a query outgrows memory. */
  tempDirectory?: string;
  /**
   * DuckDB's extension directory (holding `v<version>/<platform>/<name>.duckdb_extension`);
   * defaults to AQUIFER_DUCKDB_EXTENSIONS, else DuckDB's own default.
   */
  extensionDirectory?: string;
}

/** Rows `createTempTable` appends before letting the event loop run. */
const ROWS_BETWEEN_YIELDS = 1_000;

/**
 * The query engine: one in-process DuckDB database.
 *
 * Every table read and write goes through here, so data never passes row by row
 * through JavaScript on a hot path. The session time zone is UTC so that casts
 * between TIMESTAMP and TIMESTAMPTZ (Delta `timestamp_ntz` and `timestamp`) never
 * depend on the machine's zone.
 */
export class Engine {
  private closed = false;
  private readonly extensions: ExtensionLoader;
  /** Credentials given to configureS3, scrubbed from every error this engine raises. */
  private readonly secretValues = new Set<string>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {
    this.extensions = new ExtensionLoader(connection);
  }

  static async create(options: EngineOptions = {}): Promise<Engine> {
    // Installing fetches from DuckDB's site, which may be unreachable: extensions come ready-made in the
    // extension directory (scripts/duckdb-extensions.sh) and load through ensureExtension.
    const config: Record<string, string> = { autoinstall_known_extensions: 'false' };
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
    if (options.tempDirectory !== undefined) config['temp_directory'] = options.tempDirectory;
    const extensionDirectory = resolveExtensionDirectory(options.extensionDirectory);
    if (extensionDirectory !== undefined) config['extension_directory'] = extensionDirectory;
    const instance = await DuckDBInstance.create(':memory:', config);
    const connection = await instance.connect();
    // TimeZone needs the (statically linked) ICU extension, which is loaded only once connected.
    await connection.run("SET GLOBAL TimeZone = 'UTC'");
    await connection.run('SET GLOBAL parquet_metadata_cache = true');
    // Progress is read by polling (see query); DuckDB's own terminal bar would write over ours.
    await connection.run('SET enable_progress_bar = true');
    await connection.run('SET enable_progress_bar_print = false');
    return new Engine(instance, connection);
  }

  /**
   * Load a DuckDB extension into this database unless it already is: the first need for
   * object storage loads httpfs, and a local-only project never does. Throws
   * ENGINE_EXTENSION_MISSING, saying how to install it, when it is not in the extension directory.
   */
  ensureExtension(extension: DuckDBExtension): Promise<void> {
    return this.extensions.ensure(extension);
  }

  /**
   * Create (or replace) the DuckDB secret that httpfs signs requests under `options.scope`
   * with, loading httpfs first. The credentials never appear in an error from this engine.
   */
  async configureS3(secretName: string, options: S3SecretOptions): Promise<void> {
    const statement = s3SecretStatement(secretName, options);
    for (const secret of statement.secrets) this.secretValues.add(secret);
    await this.ensureExtension('httpfs');
    try {
      await this.connection.run(statement.sql);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new EngineSecretError(`DuckDB refused the S3 secret '${secretName}': ${this.scrub(message)}`, secretName, options.scope);
    }
  }

  /**
   * Create (or replace) the DuckDB secret that the azure extension opens `az://` paths under
   * `options.scope` with, loading the extension first. The connection string never appears
   * in an error from this engine.
   */
  async configureAzure(secretName: string, options: AzureSecretOptions): Promise<void> {
    const statement = azureSecretStatement(secretName, options);
    for (const secret of statement.secrets) this.secretValues.add(secret);
    await this.ensureExtension('azure');
    try {
      await this.connection.run(statement.sql);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new EngineSecretError(`DuckDB refused the Azure secret '${secretName}': ${this.scrub(message)}`, secretName, options.scope);
    }
  }

  /**
   * Interrupt the query running on the engine's own connection (it fails with DuckDB's
   * "Interrupted" error); a no-op when none runs. For timeouts and cancellation.
   */
  interrupt(): void {
    if (!this.closed) this.connection.interrupt();
  }

  /** Run a statement for its effect. */
  async run(sql: string): Promise<void> {
    await this.guard(sql, () => this.connection.run(sql));
  }

  /**
   * Run a query and return its rows as plain JS values (DuckDB's JS conversion: BIGINT
   * as bigint, DECIMAL as number). With `onProgress`, DuckDB's progress (0..1) is
   * reported while it runs, for progress bars on long work.
   */
  async query(sql: string, options: QueryOptions = {}): Promise<Row[]> {
    const onProgress = options.onProgress;
    if (onProgress === undefined) return (await this.read(sql)).getRowObjectsJS() as Row[];
    // On the engine's own connection, so temp tables the query makes (such as DuckDB's
    // CSV reject tables) stay visible to later queries.
    const timer = setInterval(() => {
      const percentage = this.connection.progress.percentage;
      if (percentage >= 0) onProgress(Math.min(1, percentage / 100));
    }, 200);
    try {
      const reader = await this.read(sql);
      onProgress(1);
      return reader.getRowObjectsJS() as Row[];
    } finally {
      clearInterval(timer);
    }
  }

  /** Run a query and return its rows converted to JSON-safe values (bigints and decimals as strings). */
  async queryJson(sql: string): Promise<Row[]> {
    const reader = await this.read(sql);
    return reader.getRowObjectsJson() as Row[];
  }

  /** Run a query and keep DuckDB's reader, for callers that need column types or raw values. */
  async read(sql: string): Promise<DuckDBResultReader> {
    return this.guard(sql, () => this.connection.runAndReadAll(sql));
  }

  /**
   * Stream a query's result chunk by chunk (JSON-safe values), for results too large to hold
   * at once. On a connection of its own for as long as it streams: DuckDB closes a streaming
   * result when its connection starts another query, and on the shared connection any other
   * request's query (a background log write) would end this stream early, silently.
   */
  async *stream(sql: string): AsyncGenerator<{ columns: string[]; rows: Row[] }> {
    const connection = await this.instance.connect();
    try {
      yield* this.streamOn(connection, sql);
    } finally {
      connection.closeSync();
    }
  }

  private async *streamOn(connection: DuckDBConnection, sql: string): AsyncGenerator<{ columns: string[]; rows: Row[] }> {
    const result = await this.guard(sql, () => connection.stream(sql));
    const columns = result.columnNames();
    for (;;) {
      const chunk = await this.guard(sql, () => result.fetchChunk());
      if (chunk === null || chunk.rowCount === 0) return;
      const rows = chunk.convertRows(JsonDuckDBValueConverter).map((values) => {
        const row: Row = {};
        columns.forEach((name, index) => {
          row[name] = values[index];
        });
        return row;
      });
      yield { columns, rows };
    }
  }

  /**
   * Load rows into a new table of the engine's in-memory database (dropped by the caller
   * when done), with DuckDB's appender: no SQL text per row. The appender works on a
   * connection of its own: its flush runs synchronously on the calling thread, and on the
   * shared connection it would collide with a query another request has running there
   * (DuckDB closes one of the two). A table in the in-memory database, unlike a TEMP one,
   * is seen by every connection, so the engine's later queries read it by its bare name.
   * The rows are taken a thousand at a time with the event loop let go in between, so a
   * large load on a server does not stall the requests it is serving.
   */
  async createTempTable(
    name: string,
    columns: readonly { name: string; type: 'VARCHAR' | 'BIGINT' }[],
    rows: Iterable<readonly (string | bigint | number | null)[]>,
  ): Promise<void> {
    const definition = columns.map((c) => `"${c.name.replaceAll('"', '""')}" ${c.type}`).join(', ');
    await this.withConnection(async (connection) => {
      const create = `CREATE OR REPLACE TABLE "${name.replaceAll('"', '""')}" (${definition})`;
      await this.guard(create, () => connection.run(create));
      const appender = await this.guard(name, () => connection.createAppender(name));
      try {
        let taken = 0;
        for (const row of rows) {
          if (++taken % ROWS_BETWEEN_YIELDS === 0) await new Promise((resolve) => setImmediate(resolve));
          columns.forEach((column, index) => {
            const value = row[index];
            if (value === null || value === undefined) appender.appendNull();
            else if (column.type === 'BIGINT') appender.appendBigInt(BigInt(value));
            else appender.appendVarchar(String(value));
          });
          appender.endRow();
        }
      } finally {
        appender.closeSync();
      }
    });
  }

  /**
   * Register a JavaScript function DuckDB can call as `name(json VARCHAR) → VARCHAR`,
   * chunk by chunk, on the engine's own connection: the way one TypeScript function runs
   * inside an out-of-core query and, unchanged, at request time.
   */
  registerJsonFunction(name: string, work: (input: string | null) => string | null): void {
    if (this.functions.has(name)) return;
    const fn = DuckDBScalarFunction.create({
      name,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      specialHandling: true,
      mainFunction: (info, input, output) => {
        try {
          const values = input.getColumnValues(0);
          for (let i = 0; i < values.length; i++) {
            const value = values[i];
            const result = work(value === null || value === undefined ? null : String(value));
            output.setItem(i, result);
          }
          output.flush();
        } catch (error) {
          info.setError(error instanceof Error ? error.message : String(error));
        }
      },
    });
    this.connection.registerScalarFunction(fn);
    this.functions.add(name);
  }

  private readonly functions = new Set<string>();

  /** Run work on a dedicated connection (its temp tables are its own), closed afterwards. */
  async withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      return await work(connection);
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private scrub(text: string): string {
    return this.secretValues.size === 0 ? text : scrubSecrets(text, this.secretValues);
  }

  private async guard<T>(sql: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const scrubbed = this.scrub(message);
      const scrubbedSql = this.scrub(sql);
      // DuckDB's own error keeps the unscrubbed text, so it is left out once a secret was in either.
      const leaked = scrubbed !== message || scrubbedSql !== sql;
      throw new EngineQueryError(scrubbed, scrubbedSql, leaked ? undefined : error);
    }
  }
}
