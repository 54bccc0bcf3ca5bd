import path from 'node:path';
import { AquiferError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import type { ModelStore } from './model-store.js';
import { PostgresDatabase } from './postgres-database.js';
import { SqliteDatabase } from './sqlite-database.js';
import { SqlModelStore } from './sql-model-store.js';

/** The SQLite file of a project's embedded metadata store. */
export function modelStoreFile(projectRoot: string): string {
  return path.join(projectRoot, '.aquifer', 'models.db');
}

/** The project's tracking store and model registry, on the backend its config names. */
export async function openModelStore(project: Project): Promise<ModelStore> {
  const metadata = project.config.backends.metadata ?? { type: 'sqlite' };
  if (metadata.type === 'sqlite') return SqlModelStore.open(new SqliteDatabase(modelStoreFile(project.root)));
  const url = metadata.url ?? (metadata.urlEnv === undefined ? undefined : process.env[metadata.urlEnv]);
  if (url === undefined || url === '') {
    throw new AquiferError('PROJECT_CONFIG_INVALID', 'backends.metadata names PostgreSQL without a URL', {
      value: { field: 'backends.metadata', urlEnv: metadata.urlEnv },
      hint: 'Give "url": "postgres://user@host:port/db", or "urlEnv" naming a variable that is set.',
    });
  }
  return SqlModelStore.open(new PostgresDatabase(url));
}
