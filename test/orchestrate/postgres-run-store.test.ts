import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { PostgresRunStore, runAsset } from '../../src/orchestrate/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { runRunStoreContract } from '../contracts/run-store.contract.js';
import { postgresAvailable, startPostgres, type PostgresService } from '../support/services.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from './fixture.js';
import { leaseLossCases } from './lease-loss.cases.js';

/**
 * The PostgreSQL run history passes the same contract as SQLite's, each case on a database of
 * its own; a project whose config names PostgreSQL for metadata keeps its runs there.
 */
const present = postgresAvailable();
let postgres: PostgresService | undefined;
let databases = 0;

beforeAll(async () => {
  if (present) postgres = await startPostgres();
}, 200_000);
afterAll(async () => {
  await postgres?.stop();
}, 120_000);

async function freshDatabase(): Promise<string> {
  const url = (postgres as PostgresService).url;
  const name = `runs_${++databases}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return url.replace(/\/postgres$/, `/${name}`);
}

if (present) runRunStoreContract('PostgreSQL', async () => PostgresRunStore.open(await freshDatabase()));
if (present)
  leaseLossCases('PostgreSQL', async () => {
    const url = await freshDatabase();
    return { mine: await PostgresRunStore.open(url), theirs: await PostgresRunStore.open(url) };
  });

describe.runIf(present)('a run whose PostgreSQL store cannot renew its lease', () => {
  it('stops once its lease has expired unrenewed, recorded aborted as lease-lost', async () => {
    const url = await freshDatabase();
    const project = await Project.init(path.join(await tempDir('aquifer-runs-postgres-hang-'), 'project'));
    await writeAssets(project, 'hang', [{ name: 'endless', kind: 'sql', sql: 'SELECT count(*) AS n FROM range(1000000000000) a' }]);
    const engine = await Engine.create({ threads: 1 });
    const store = await PostgresRunStore.open(url);
    // Another session locks the lease table: every renewal waits on it, as on a store that does not answer.
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      const running = runAsset(project, 'endless', { engine, store, leaseSeconds: 1, heartbeatSeconds: 0.1 }).then(
        () => undefined,
        (error: unknown) => error as { code: string; cause?: { code?: string } },
      );
      let run = (await store.list({ asset: 'endless', status: 'running' }))[0];
      while (run === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        run = (await store.list({ asset: 'endless', status: 'running' }))[0];
      }
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE asset_leases IN ACCESS EXCLUSIVE MODE');
      while ((await store.get(run.id))?.status === 'running') await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.get(run.id)).toMatchObject({ status: 'aborted', error: { code: 'ASSET_RUN_LEASE_LOST' } });
      await blocker.query('COMMIT');
      expect(await running).toMatchObject({ code: 'ASSET_RUN_FAILED', cause: { code: 'ASSET_RUN_LEASE_LOST' } });
    } finally {
      await blocker.end();
      await store.close();
      project.close();
      await engine.close();
    }
  });
});

describe.runIf(present)('a project with its metadata in PostgreSQL', () => {
  it('keeps its asset runs in the database its config names, none in the project folder', async () => {
    const url = await freshDatabase();
    const root = path.join(await tempDir('aquifer-runs-postgres-'), 'project');
    await Project.init(root);
    const file = path.join(root, CONFIG_FILE);
    const config = JSON.parse(await readFile(file, 'utf8')) as { backends: Record<string, unknown> };
    config.backends['metadata'] = { type: 'postgres', urlEnv: 'AQUIFER_TEST_RUNS_URL' };
    await writeFile(file, JSON.stringify(config));
    process.env['AQUIFER_TEST_RUNS_URL'] = url;
    const project = await Project.open(root);
    await writeAssets(project, 'one', [{ name: 'one', kind: 'sql', sql: 'SELECT 1 AS x' }]);
    const engine = await Engine.create({ threads: 1 });
    try {
      const [run] = await runAsset(project, 'one', { engine });
      const store = await PostgresRunStore.open(url);
      expect((await store.get(run?.id ?? ''))?.status).toBe('success');
      await store.close();
      expect(existsSync(path.join(root, '.aquifer', 'runs.db'))).toBe(false);
    } finally {
      await engine.close();
    }
  });
});
