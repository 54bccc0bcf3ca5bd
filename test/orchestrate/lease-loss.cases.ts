import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { cancelRun, runAsset, type AssetRun, type AssetRunStore } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from './fixture.js';

/** Never finishes on its own within any test's time: only an interrupt ends it. */
const ENDLESS = 'SELECT count(*) AS n FROM range(1000000000000) a';

/** Two handles on one run store, as two processes sharing a project have. */
export interface TwoStores {
  mine: AssetRunStore;
  theirs: AssetRunStore;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code: string; cause?: { code?: string } },
  );

async function waitFor(store: AssetRunStore, asset: string, status: AssetRun['status']): Promise<AssetRun> {
  for (;;) {
    const found = (await store.list({ asset, limit: 10 })).find((r) => r.status === status);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What a run does when its lease is taken from it, and how a cancel reaches a series waiting
 * to retry, with two handles on one store (SQLite file or PostgreSQL database): the cases
 * each backend's test runs.
 */
export function leaseLossCases(name: string, open: () => Promise<TwoStores>): void {
  describe(`${name}: lost leases and cancels across handles`, () => {
    const withProject = (body: (project: Project, engine: Engine, stores: TwoStores) => Promise<void>) => async () => {
      const engine = await Engine.create({ threads: 1 });
      const project = await Project.init(path.join(await tempDir('aquifer-lease-loss-'), 'project'));
      await writeAssets(project, 'loss', [
        { name: 'endless', kind: 'sql', sql: ENDLESS, retry: { attempts: 3, backoffSeconds: 0 } },
        { name: 'waits_long', kind: 'sql', sql: "SELECT error('boom') AS x", retry: { attempts: 3, backoffSeconds: 3600 } },
      ]);
      const stores = await open();
      try {
        await body(project, engine, stores);
      } finally {
        await stores.mine.close();
        await stores.theirs.close();
        project.close();
        await engine.close();
      }
    };

    it(
      'stops a run whose lease another process took after it expired, recorded aborted as lease-lost, not retried, committing nothing',
      withProject(async (project, engine, { mine, theirs }) => {
        const running = failure(runAsset(project, 'endless', { engine, store: mine, heartbeatSeconds: 0.05 }));
        const run = await waitFor(theirs, 'endless', 'running');
        // The other process sees the lease expired (its clock an hour on) and takes it.
        const lease = { asset: 'endless', holder: 'theirs', runId: 'their-run', owner: 'elsewhere:1', expiresAt: Date.now() + 7_200_000 };
        expect(await theirs.acquireLease(lease, Date.now() + 3_600_000)).toEqual({ acquired: true });
        const error = await running;
        expect(error).toMatchObject({ code: 'ASSET_RUN_FAILED', cause: { code: 'ASSET_RUN_LEASE_LOST' } });
        expect(await theirs.get(run.id)).toMatchObject({ status: 'aborted', error: { code: 'ASSET_RUN_LEASE_LOST' } });
        expect((await theirs.list({ asset: 'endless' })).map((r) => r.id)).toEqual([run.id]);
        expect(await theirs.lease('endless', undefined)).toMatchObject({ holder: 'theirs' });
        expect(existsSync(path.join(project.tablePath('endless'), '_delta_log'))).toBe(false);
      }),
    );

    it(
      'leaves alone a run another process already marked aborted when it took the lease',
      withProject(async (project, engine, { mine, theirs }) => {
        const running = failure(runAsset(project, 'endless', { engine, store: mine, heartbeatSeconds: 0.05 }));
        const run = await waitFor(theirs, 'endless', 'running');
        // As the new holder does: its orphans marked aborted, then (here in this order, so the mark surely comes first) the lease.
        expect((await theirs.abortOrphans('endless', undefined, 'their-run', new Date().toISOString())).map((r) => r.id)).toEqual([run.id]);
        const lease = { asset: 'endless', holder: 'theirs', runId: 'their-run', owner: 'elsewhere:1', expiresAt: Date.now() + 7_200_000 };
        expect(await theirs.acquireLease(lease, Date.now() + 3_600_000)).toEqual({ acquired: true });
        expect(await running).toMatchObject({ code: 'ASSET_RUN_FAILED', cause: { code: 'ASSET_RUN_LEASE_LOST' } });
        expect(await theirs.get(run.id)).toMatchObject({ status: 'aborted', error: { code: 'ASSET_RUN_ABORTED' } });
        expect((await theirs.logs(run.id)).map((l) => l.message)).toContain(
          'ended here as aborted (ASSET_RUN_LEASE_LOST), but another process had already marked it aborted',
        );
      }),
    );

    it(
      'stops a series waiting out its backoff when another process cancels it, recording the next attempt cancelled, never run',
      withProject(async (project, engine, { mine, theirs }) => {
        // A backoff of an hour: only the cancel can end this wait within the test.
        const running = failure(runAsset(project, 'waits_long', { engine, store: mine, heartbeatSeconds: 0.05 }));
        const failed = await waitFor(theirs, 'waits_long', 'failed');
        expect(await cancelRun(project, failed.id, { store: theirs })).toMatchObject({ id: failed.id });
        expect((await running)?.code).toBe('ASSET_RUN_CANCELLED');
        const history = await theirs.list({ asset: 'waits_long' });
        expect(history.map((r) => [r.status, r.attempt ?? 1, r.retryOf, r.error?.code])).toEqual([
          ['cancelled', 2, failed.id, 'ASSET_RUN_CANCELLED'],
          ['failed', 1, undefined, 'ENGINE_QUERY_FAILED'],
        ]);
        expect(await theirs.lease('waits_long', undefined)).toBeUndefined();
        expect(await failure(cancelRun(project, failed.id, { store: theirs }))).toMatchObject({ code: 'ASSET_RUN_NOT_RUNNING' });
      }),
    );
  });
}
