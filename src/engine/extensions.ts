import type { DuckDBConnection } from '@duckdb/node-api';
import { EngineExtensionMissingError } from './errors.js';
import { quoteLiteral } from './sql.js';

/** Extensions that are not built into @duckdb/node-api and that Aquifer loads on demand. */
export type DuckDBExtension = 'httpfs' | 'delta' | 'aws' | 'azure';

/** The environment variable naming DuckDB's extension directory (what scripts/duckdb-extensions.sh prints). */
export const EXTENSION_DIRECTORY_ENV = 'AQUIFER_DUCKDB_EXTENSIONS';

const EXTENSION_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The extension directory an engine opens with: the option, else AQUIFER_DUCKDB_EXTENSIONS,
 * else undefined so DuckDB keeps its default (~/.duckdb/extensions), where an online `INSTALL` puts them.
 */
export function resolveExtensionDirectory(option: string | undefined): string | undefined {
  if (option !== undefined && option !== '') return option;
  const fromEnv = process.env[EXTENSION_DIRECTORY_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined;
}

/**
 * Loads extensions into one DuckDB database, each at most once, when first needed: a
 * project that only reads local tables never touches the extension directory. A load in
 * progress is shared by concurrent callers; a failed one is forgotten so a later call can
 * retry (after the files were installed, say).
 */
export class ExtensionLoader {
  private readonly loads = new Map<string, Promise<void>>();

  constructor(private readonly connection: DuckDBConnection) {}

  ensure(extension: DuckDBExtension): Promise<void> {
    // The name goes into SQL unquoted (LOAD takes an identifier): anything else cannot be an extension.
    if (!EXTENSION_NAME.test(extension)) return Promise.reject(new EngineExtensionMissingError(String(extension), '', false));
    let load = this.loads.get(extension);
    if (load === undefined) {
      load = this.load(extension);
      this.loads.set(extension, load);
      load.catch(() => this.loads.delete(extension));
    }
    return load;
  }

  private async load(extension: DuckDBExtension): Promise<void> {
    // Asking first keeps DuckDB's "not found" message (internal paths, an INSTALL that fails offline) from users.
    const reader = await this.connection.runAndReadAll(
      `SELECT installed, loaded, current_setting('extension_directory') AS directory FROM duckdb_extensions() ` +
        `WHERE extension_name = ${quoteLiteral(extension)}`,
    );
    const row = reader.getRowObjectsJS()[0] as { installed: boolean; loaded: boolean; directory: string } | undefined;
    if (row?.loaded === true) return;
    const directory = row?.directory !== undefined && row.directory !== '' ? row.directory : '~/.duckdb/extensions (DuckDB default)';
    if (row?.installed !== true) throw new EngineExtensionMissingError(extension, directory, false);
    try {
      await this.connection.run(`LOAD ${extension}`);
    } catch (error) {
      throw new EngineExtensionMissingError(extension, directory, true, error);
    }
  }
}
