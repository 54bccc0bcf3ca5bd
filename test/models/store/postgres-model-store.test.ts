import { afterAll, beforeAll } from 'vitest';
import { PostgresDatabase, SqlModelStore } from '../../../src/models/index.js';
import { postgresAvailable, startPostgres, type PostgresService } from '../../support/services.js';
import { runModelStoreContract } from '../../contracts/model-store.contract.js';
import pg from 'pg';

const present = postgresAvailable();
let postgres: PostgresService | undefined;
let databases = 0;

beforeAll(async () => {
  if (present) postgres = await startPostgres();
}, 200_000);
afterAll(async () => {
  await postgres?.stop();
}, 120_000);

/** Each store gets a database of its own, so the contract's cases start empty. */
async function freshStore(): Promise<SqlModelStore> {
  const url = (postgres as PostgresService).url;
  const name = `models_${++databases}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return SqlModelStore.open(new PostgresDatabase(url.replace(/\/postgres$/, `/${name}`)));
}

if (present) runModelStoreContract('PostgreSQL', freshStore);
