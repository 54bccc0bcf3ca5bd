import { hostname } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { cancelRun, recoverRuns, retryRun, SqliteRunStore, type AssetRun } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from './fixture.js';

/**
 * Recovery of runs left `running` by processes that died (their leases faked here as a real
 * crash leaves them; test/cli/runs-control.test.ts SIGKILLs real ones), and the typed refusals
 * of cancel and retry.
 */
let engine: Engine;
let project: Project;
let store: SqliteRunStore;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-run-control-'), 'project'));
  await writeAssets(project, 'control', [
    { name: 'with_retries', kind: 'sql', sql: 'SELECT 1 AS x', retry: { attempts: 2 } },
    { name: 'no_retries', kind: 'sql', sql: 'SELECT 2 AS x' },
    { name: 'elsewhere', kind: 'sql', sql: 'SELECT 3 AS x' },
  ]);
  store = SqliteRunStore.open(project.root);
  return async () => {
    await store.close();
    await engine.close();
  };
});

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { code: string }) => error.code,
  );
async function crashed(id: string, asset: string, owner: string, expiresAt: number): Promise<void> {
  const run: AssetRun = { id, asset, trigger: 'schedule', startedAt: new Date().toISOString(), status: 'running', inputs: {} };
  await store.start(run);
  expect(await store.acquireLease({ asset, holder: `holder-${id}`, runId: id, owner, expiresAt }, Date.now())).toEqual({ acquired: true });
}

describe('recoverRuns', () => {
  it('aborts the runs of dead processes, retries those whose policy allows, and leaves live ones alone', async () => {
    await crashed('dead-here', 'with_retries', `${hostname()}:2147483646`, Date.now() + 3_600_000);
    await crashed('expired', 'no_retries', 'elsewhere:1', Date.now() - 1);
    await crashed('alive', 'elsewhere', 'elsewhere:1', Date.now() + 3_600_000);
    const recovered = await recoverRuns(project, { engine, store });
    const byId = new Map(recovered.map((r) => [r.aborted.id, r]));
    expect([...byId.keys()].sort()).toEqual(['dead-here', 'expired']);
    expect(byId.get('dead-here')?.aborted.status).toBe('aborted');
    expect(byId.get('dead-here')?.retry).toMatchObject({ status: 'success', trigger: 'retry', attempt: 2, retryOf: 'dead-here' });
    expect(byId.get('expired')).toMatchObject({ aborted: { status: 'aborted', error: { code: 'ASSET_RUN_ABORTED' } } });
    expect(byId.get('expired')?.retry).toBeUndefined();
    expect((await store.get('alive'))?.status).toBe('running');
    expect(await store.lease('with_retries', undefined)).toBeUndefined();
    expect(await recoverRuns(project, { engine, store })).toEqual([]);
  });

  it('refuses to cancel a run that is not running or unknown, and to retry one still running', async () => {
    expect(await code(cancelRun(project, 'expired', { store }))).toBe('ASSET_RUN_NOT_RUNNING');
    expect(await code(cancelRun(project, 'nope', { store }))).toBe('ASSET_RUN_NOT_FOUND');
    expect(await code(retryRun(project, 'alive', { engine, store }))).toBe('ASSET_RUN_IN_PROGRESS');
    expect(await code(retryRun(project, 'nope', { engine, store }))).toBe('ASSET_RUN_NOT_FOUND');
    expect(await retryRun(project, 'expired', { engine, store })).toMatchObject({ status: 'success', attempt: 2, retryOf: 'expired' });
  });
});
