import { describe, expect, it } from 'vitest';
import { MAX_RUN_LOG_LINES, type AssetRun, type AssetRunStore } from '../../src/orchestrate/index.js';

const run = (id: string, asset: string, partition?: string, extra: Partial<AssetRun> = {}): AssetRun => ({
  id,
  asset,
  ...(partition === undefined ? {} : { partition }),
  trigger: 'manual',
  startedAt: '2024-05-01T00:00:00.000Z',
  status: 'running',
  inputs: {},
  ...extra,
});

/** What every AssetRunStore backend must honour; each backend's test calls this with a factory for an empty store. */
export function runRunStoreContract(name: string, create: () => Promise<AssetRunStore>): void {
  describe(`${name} honours the AssetRunStore contract`, () => {
    const withStore = (body: (store: AssetRunStore) => Promise<void>) => async () => {
      const store = await create();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    };

    it(
      'keeps a run from start to finish, its attempt and first run, and the latest finished and successful run per asset and partition',
      withStore(async (store) => {
        await store.start(run('a1', 'a'));
        await store.finish('a1', { status: 'success', finishedAt: '2024-05-01T00:01:00.000Z', inputs: { src: 3 }, outputVersion: 0 });
        await store.start(run('a2', 'a'));
        await store.finish('a2', { status: 'failed', inputs: { src: 4 }, error: { code: 'ENGINE_QUERY_FAILED', message: 'boom' } });
        await store.start(run('a3', 'a', '2024-05-01', { trigger: 'retry', attempt: 2, retryOf: 'a0' }));
        await store.start(run('a4', 'a'));
        await store.start(run('b1', 'b'));
        expect(await store.get('a1')).toEqual({
          ...run('a1', 'a'),
          status: 'success',
          finishedAt: '2024-05-01T00:01:00.000Z',
          inputs: { src: 3 },
          outputVersion: 0,
        });
        expect(await store.get('a3')).toEqual(run('a3', 'a', '2024-05-01', { trigger: 'retry', attempt: 2, retryOf: 'a0' }));
        expect((await store.get('a2'))?.error).toEqual({ code: 'ENGINE_QUERY_FAILED', message: 'boom' });
        expect(await store.get('nope')).toBeUndefined();
        expect((await store.list({ asset: 'a' })).map((r) => r.id)).toEqual(['a4', 'a3', 'a2', 'a1']);
        expect((await store.list({ status: 'running' })).map((r) => r.id)).toEqual(['b1', 'a4', 'a3']);
        expect((await store.list({ limit: 2 })).map((r) => r.id)).toEqual(['b1', 'a4']);
        expect((await store.latestFinished()).map((r) => r.id)).toEqual(['a2']);
        expect((await store.latestSuccessful()).map((r) => r.id)).toEqual(['a1']);
      }),
    );

    it(
      'gives a lease to one holder at a time, until it expires, is released, or is taken over from a holder found dead',
      withStore(async (store) => {
        const lease = (holder: string, expiresAt: number, partition?: string) => ({
          asset: 'a',
          ...(partition === undefined ? {} : { partition }),
          holder,
          runId: `run-${holder}`,
          owner: 'host:1',
          expiresAt,
        });
        expect(await store.acquireLease(lease('h1', 2000), 1000)).toEqual({ acquired: true });
        expect(await store.acquireLease(lease('h2', 2500), 1500)).toEqual({ acquired: false, held: lease('h1', 2000) });
        // Another partition is another lease.
        expect(await store.acquireLease(lease('h3', 2500, 'p'), 1500)).toEqual({ acquired: true });
        expect(await store.renewLease({ ...lease('h1', 3000), runId: 'run-h1-2' })).toBe(true);
        expect(await store.lease('a', undefined)).toEqual({ ...lease('h1', 3000), runId: 'run-h1-2' });
        expect(await store.renewLease(lease('h2', 3000))).toBe(false);
        expect((await store.acquireLease(lease('h2', 4000), 2999)).acquired).toBe(false);
        expect(await store.acquireLease(lease('h2', 4000), 3000)).toEqual({ acquired: true });
        expect(await store.renewLease(lease('h1', 5000))).toBe(false);
        expect(await store.acquireLease(lease('h4', 6000), 3500, 'h2')).toEqual({ acquired: true });
        await store.releaseLease('a', undefined, 'h2');
        expect((await store.lease('a', undefined))?.holder).toBe('h4');
        await store.releaseLease('a', undefined, 'h4');
        expect(await store.lease('a', undefined)).toBeUndefined();
        expect(await store.acquireLease(lease('h5', 6000), 3500)).toEqual({ acquired: true });
      }),
    );

    it(
      'marks aborted the other runs still running of an asset and partition, and keeps cancel requests of running runs only',
      withStore(async (store) => {
        await store.start(run('dead', 'a', 'p'));
        await store.start(run('other-partition', 'a', 'q'));
        await store.start(run('new', 'a', 'p'));
        const aborted = await store.abortOrphans('a', 'p', 'new', '2024-05-01T00:02:00.000Z');
        expect(aborted.map((r) => [r.id, r.status, r.error?.code])).toEqual([['dead', 'aborted', 'ASSET_RUN_ABORTED']]);
        expect((await store.get('other-partition'))?.status).toBe('running');
        expect(await store.cancelRequested('new')).toBe(false);
        expect(await store.requestCancel('new')).toBe(true);
        expect(await store.cancelRequested('new')).toBe(true);
        expect(await store.requestCancel('dead')).toBe(false);
        expect(await store.requestCancel('nope')).toBe(false);
      }),
    );

    it(
      'ends a run only while it is running, so a mark another process made stands',
      withStore(async (store) => {
        await store.start(run('mine', 'a'));
        await store.start(run('taken', 'a'));
        expect(await store.finish('mine', { status: 'success', inputs: {}, outputVersion: 1 })).toBe(true);
        expect(await store.finish('mine', { status: 'failed', inputs: {}, error: { message: 'late' } })).toBe(false);
        expect((await store.get('mine'))?.status).toBe('success');
        await store.abortOrphans('a', undefined, 'someone-else', '2024-05-01T00:02:00.000Z');
        expect(await store.finish('taken', { status: 'success', inputs: {}, outputVersion: 2 })).toBe(false);
        expect(await store.get('taken')).toMatchObject({ status: 'aborted', error: { code: 'ASSET_RUN_ABORTED' } });
      }),
    );

    it(
      'takes a cancel request for a failed attempt that a live lease still names (its series waits to retry), not once the lease is gone',
      withStore(async (store) => {
        await store.start(run('waiting', 'a'));
        await store.finish('waiting', { status: 'failed', inputs: {}, error: { message: 'boom' } });
        const lease = { asset: 'a', holder: 'h', runId: 'waiting', owner: 'host:1', expiresAt: Date.now() + 3_600_000 };
        expect(await store.acquireLease(lease, Date.now())).toEqual({ acquired: true });
        expect(await store.requestCancel('waiting')).toBe(true);
        expect(await store.cancelRequested('waiting')).toBe(true);
        await store.releaseLease('a', undefined, 'h');
        await store.start(run('ended', 'a'));
        await store.finish('ended', { status: 'failed', inputs: {}, error: { message: 'boom' } });
        expect(await store.requestCancel('ended')).toBe(false);
      }),
    );

    it(
      "keeps a run's log lines in order, at most MAX_RUN_LOG_LINES, the last saying the rest were dropped",
      withStore(async (store) => {
        await store.appendLog('r', { at: '2024-05-01T00:00:00.000Z', level: 'info', message: 'started', data: { trigger: 'manual' } });
        await store.appendLog('r', { at: '2024-05-01T00:00:01.000Z', level: 'error', message: 'failed' });
        expect(await store.logs('r')).toEqual([
          { at: '2024-05-01T00:00:00.000Z', level: 'info', message: 'started', data: { trigger: 'manual' } },
          { at: '2024-05-01T00:00:01.000Z', level: 'error', message: 'failed' },
        ]);
        for (let i = 0; i < MAX_RUN_LOG_LINES + 5; i++) await store.appendLog('long', { at: '2024-05-01T00:00:00.000Z', level: 'info', message: `step ${i}` });
        const logs = await store.logs('long');
        expect(logs).toHaveLength(MAX_RUN_LOG_LINES);
        expect(logs[MAX_RUN_LOG_LINES - 2]?.message).toBe(`step ${MAX_RUN_LOG_LINES - 2}`);
        expect(logs[MAX_RUN_LOG_LINES - 1]).toMatchObject({ level: 'warn', message: 'later log lines were dropped' });
        expect(await store.logs('none')).toEqual([]);
      }),
    );
  });
}
