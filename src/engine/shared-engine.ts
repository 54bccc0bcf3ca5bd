import { Engine, type EngineOptions } from './engine.js';
import { EngineSettingError, MEMORY_LIMIT_ENV, TEMP_DIRECTORY_ENV } from './errors.js';

let shared: Promise<Engine> | undefined;

/**
 * The process-wide engine used when a caller does not bring its own. AQUIFER_MEMORY_LIMIT and
 * AQUIFER_TEMP_DIRECTORY set DuckDB's memory_limit and temp_directory, so a big validation or
 * join spills to disk rather than growing to DuckDB's default of 80% of RAM.
 */
export function sharedEngine(): Promise<Engine> {
  shared ??= engineFromEnvironment(process.env).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/** An engine with the DuckDB settings `env` gives (AQUIFER_MEMORY_LIMIT, AQUIFER_TEMP_DIRECTORY), beside `base`. */
export async function engineFromEnvironment(env: NodeJS.ProcessEnv, base: EngineOptions = {}): Promise<Engine> {
  const options: EngineOptions = { ...base };
  const memoryLimit = env[MEMORY_LIMIT_ENV]?.trim();
  const tempDirectory = env[TEMP_DIRECTORY_ENV]?.trim();
  if (memoryLimit !== undefined && memoryLimit !== '') options.memoryLimit = memoryLimit;
  if (tempDirectory !== undefined && tempDirectory !== '') options.tempDirectory = tempDirectory;
  try {
    return await Engine.create(options);
  } catch (error) {
    if (options.memoryLimit !== undefined) throw new EngineSettingError(MEMORY_LIMIT_ENV, options.memoryLimit, error);
    if (options.tempDirectory !== undefined) throw new EngineSettingError(TEMP_DIRECTORY_ENV, options.tempDirectory, error);
    throw error;
  }
}
