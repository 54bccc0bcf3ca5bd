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

/**
 * An extension DuckDB needs (httpfs for object storage) is not in its extension directory, or
 * the file there does not load. DuckDB's own message names internal paths and suggests an
 * `INSTALL` that fails offline, so this says which extension and how to get it instead.
 */
export class EngineExtensionMissingError extends AquiferError {
  constructor(extension: string, directory: string, installedButUnloadable: boolean, cause?: unknown) {
    super(
      'ENGINE_EXTENSION_MISSING',
      installedButUnloadable
        ? `DuckDB extension '${extension}' is installed but does not load (a file for another DuckDB version, or a damaged download).`
        : `DuckDB extension '${extension}' is not installed.`,
      {
        value: { extension, directory },
        hint:
          `Run \`bash scripts/duckdb-extensions.sh\` (offline: the signed binaries from PyPI) and set ` +
          `AQUIFER_DUCKDB_EXTENSIONS to the directory it prints; on a machine that reaches ` +
          `extensions.duckdb.org, DuckDB's \`INSTALL ${extension}\` into its default directory works too.` +
          (installedButUnloadable ? ' Delete the file first so it is fetched again.' : ''),
        cause,
      },
    );
  }
}

/** DuckDB refused to create an S3 secret. The message never carries the credentials. */
export class EngineSecretError extends AquiferError {
  constructor(message: string, secretName: string, scope: string | undefined) {
    super('ENGINE_SECRET_INVALID', message, {
      value: { secretName, scope },
      hint: 'Check the secret name (letters, digits, underscores), the scope (s3://bucket/prefix) and the endpoint.',
    });
  }
}

/** DuckDB refused a setting the environment gave the shared engine (a memory limit it cannot read). */
export class EngineSettingError extends AquiferError {
  constructor(variable: string, value: string, cause: unknown) {
    super('ENGINE_SETTING_INVALID', `DuckDB refused ${variable}=${value}.`, {
      value: { [variable]: value },
      hint:
        variable === MEMORY_LIMIT_ENV
          ? `Give ${MEMORY_LIMIT_ENV} as DuckDB's memory_limit takes it, such as 512MB or 4GiB.`
          : `Give ${variable} as a folder DuckDB may create and write in.`,
      cause,
    });
  }
}

/** DuckDB's memory_limit for the shared engine (CLI and server); beyond it DuckDB spills to its temp directory. */
export const MEMORY_LIMIT_ENV = 'AQUIFER_MEMORY_LIMIT';
/** Where the shared engine spills (DuckDB's temp_directory). */
export const TEMP_DIRECTORY_ENV = 'AQUIFER_TEMP_DIRECTORY';
