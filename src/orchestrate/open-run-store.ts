import { AquiferError } from '../errors.js';
import type { Project } from '../project/index.js';
import { PostgresRunStore } from './postgres-run-store.js';
import type { AssetRunStore } from './run-store.js';
import { SqliteRunStore } from './sqlite-run-store.js';

/**
 * The project's run history on the backend its config names for metadata, as the model
 * store chooses: SQLite in `.aquifer/runs.db` by default, PostgreSQL for teams.
 */
export async function openRunStore(project: Project): Promise<AssetRunStore> {
  const metadata = project.config.backends.metadata ?? { type: 'sqlite' };
  if (metadata.type === 'sqlite') return SqliteRunStore.open(project.root);
  const url = metadata.url ?? (metadata.urlEnv === undefined ? undefined : process.env[metadata.urlEnv]);
  if (url === undefined || url === '')
    throw new AquiferError('PROJECT_CONFIG_INVALID', 'backends.metadata names PostgreSQL without a URL', {
      value: { field: 'backends.metadata', urlEnv: metadata.urlEnv },
      hint: 'Give "url": "postgres://user@host:port/db", or "urlEnv" naming a variable that is set.',
    });
  return PostgresRunStore.open(url);
}
