import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { available } from './shared.js';

/**
 * The extension directory the tests load from: AQUIFER_DUCKDB_EXTENSIONS (what .ci/run exports),
 * else the cache that `bash scripts/duckdb-extensions.sh` fills.
 */
export function duckdbExtensionDirectory(): string {
  const given = process.env['AQUIFER_DUCKDB_EXTENSIONS'];
  if (given !== undefined && given !== '') return given;
  const cache = process.env['AQUIFER_CACHE'] ?? path.join(os.homedir(), '.cache', 'aquifer');
  return path.join(cache, 'duckdb-extensions');
}

/** Where DuckDB looks for one extension in `directory`: `v<version>/<platform>/<name>.duckdb_extension`. */
export async function duckdbExtensionFile(directory: string, name: string): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll('SELECT version() AS version, (SELECT platform FROM pragma_platform()) AS platform');
    const row = reader.getRowObjectsJS()[0] as { version: string; platform: string };
    connection.closeSync();
    return path.join(directory, row.version, row.platform, `${name}.duckdb_extension`);
  } finally {
    instance.closeSync();
  }
}

/**
 * Whether the httpfs extension for this DuckDB version is installed offline. Skips, or fails
 * under AQUIFER_REQUIRE_SERVICES=1, through `available()`.
 */
export async function httpfsAvailable(): Promise<boolean> {
  const file = await duckdbExtensionFile(duckdbExtensionDirectory(), 'httpfs');
  return available(`DuckDB's httpfs extension at ${file} (run bash scripts/duckdb-extensions.sh)`, existsSync(file));
}

/** Whether the delta extension (for `delta_scan`) and httpfs are installed offline, as httpfsAvailable. */
export async function deltaExtensionAvailable(): Promise<boolean> {
  const files = await Promise.all(['httpfs', 'delta'].map((name) => duckdbExtensionFile(duckdbExtensionDirectory(), name)));
  return available(
    `DuckDB's delta and httpfs extensions at ${files.join(', ')} (run bash scripts/duckdb-extensions.sh)`,
    files.every((f) => existsSync(f)),
  );
}
