import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { runAsset, SqliteRunStore, type AssetRun } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from './fixture.js';

/**
 * The run loop around an asset's work: one run per asset and partition at a time (a lease in
 * the run store), retries with doubling backoff (waits injected, so nothing waits), timeouts
 * and cancellation that interrupt DuckDB and commit nothing, and each run's log.
 */
let engine: Engine;
let project: Project;
let store: SqliteRunStore;
let gate: DeltaTable;

/** Never finishes on its own within any test's time: only an interrupt ends it. */
const ENDLESS = 'SELECT count(*) AS n FROM range(1000000000000) a';

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-run-series-'), 'project'));
  ({ table: gate } = await DeltaTable.create(project.tablePath('gate'), { engine, data: { sql: 'SELECT false AS open' } }));
  await writeAssets(project, 'loop', [
    {
      name: 'opens_late',
      kind: 'sql',
      sql: "SELECT CASE WHEN (SELECT bool_or(open) FROM gate) THEN 1 ELSE error('gate closed') END AS x",
      retry: { attempts: 3, backoffSeconds: 1 },
    },
    { name: 'always_fails', kind: 'sql', sql: "SELECT error('boom') AS x", retry: { attempts: 4, backoffSeconds: 2, maxBackoffSeconds: 5 } },
    { name: 'slow', kind: 'sql', sql: ENDLESS, timeoutSeconds: 0.5 },
    { name: 'endless', kind: 'sql', sql: ENDLESS },
    { name: 'quick', kind: 'sql', sql: 'SELECT 1 AS x' },
  ]);
  store = SqliteRunStore.open(project.root);
  return async () => {
    await store.close();
    await engine.close();
  };
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code: string; value: unknown; cause?: { code?: string } },
  );
const tableExists = (name: string) => existsSync(path.join(project.tablePath(name), '_delta_log'));
async function waitForRunning(asset: string): Promise<AssetRun> {
  for (;;) {
    const [running] = await store.list({ asset, status: 'running' });
    if (running !== undefined) return running;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('retries', () => {
  it('retries a failed run after a backoff and records each attempt as its own run', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      await gate.overwrite({ sql: 'SELECT true AS open' });
    };
    const [run] = await runAsset(project, 'opens_late', { engine, store, sleep });
    expect(run).toMatchObject({ status: 'success', trigger: 'retry', attempt: 2 });
    expect(waits).toEqual([1000]);
    const history = await store.list({ asset: 'opens_late' });
    expect(history.map((r) => [r.status, r.trigger, r.attempt ?? 1, r.retryOf])).toEqual([
      ['success', 'retry', 2, history[1]?.id],
      ['failed', 'manual', 1, undefined],
    ]);
  });

  it('gives up after its attempts, doubling the wait up to the cap, and throws the last failure', async () => {
    const waits: number[] = [];
    const error = await failure(runAsset(project, 'always_fails', { engine, store, sleep: (ms) => Promise.resolve(void waits.push(ms)) }));
    expect(error?.code).toBe('ASSET_RUN_FAILED');
    expect(waits).toEqual([2000, 4000, 5000]);
    const history = await store.list({ asset: 'always_fails' });
    expect(history.map((r) => [r.status, r.attempt ?? 1])).toEqual([
      ['failed', 4],
      ['failed', 3],
      ['failed', 2],
      ['failed', 1],
    ]);
    const logs = await store.logs(history[3]?.id ?? '');
    expect(logs.map((l) => l.message)).toEqual(['started', 'writing the whole table', 'failed', 'retrying after a backoff']);
  });
});

describe('timeouts and cancellation', () => {
  it('interrupts a run past its timeout, records ASSET_RUN_TIMEOUT and commits nothing', async () => {
    const error = await failure(runAsset(project, 'slow', { engine, store }));
    expect(error?.code).toBe('ASSET_RUN_FAILED');
    expect(error?.cause?.code).toBe('ASSET_RUN_TIMEOUT');
    const [run] = await store.list({ asset: 'slow' });
    expect(run).toMatchObject({ status: 'failed', error: { code: 'ASSET_RUN_TIMEOUT' } });
    expect(tableExists('slow')).toBe(false);
  });

  it('stops a run on its abort signal, recorded cancelled', async () => {
    const control = new AbortController();
    const running = failure(runAsset(project, 'endless', { engine, store, signal: control.signal }));
    await waitForRunning('endless');
    control.abort();
    expect((await running)?.code).toBe('ASSET_RUN_CANCELLED');
    const [run] = await store.list({ asset: 'endless' });
    expect(run?.status).toBe('cancelled');
    expect(tableExists('endless')).toBe(false);
  });

  it('stops a run another process asked to cancel through the store, seen by its heartbeat', async () => {
    const running = failure(runAsset(project, 'endless', { engine, store, heartbeatSeconds: 0.05 }));
    const run = await waitForRunning('endless');
    const other = SqliteRunStore.open(project.root);
    expect(await other.requestCancel(run.id)).toBe(true);
    await other.close();
    expect((await running)?.code).toBe('ASSET_RUN_CANCELLED');
    expect((await store.get(run.id))?.status).toBe('cancelled');
    expect(await store.requestCancel(run.id)).toBe(false);
  });
});

describe('leases', () => {
  it('refuses a second run of the same asset while one holds the lease, or skips it when asked', async () => {
    const control = new AbortController();
    const first = failure(runAsset(project, 'endless', { engine, store, signal: control.signal }));
    const holder = await waitForRunning('endless');
    // As another process would: its own engine (the first run's query occupies this one's connection).
    const other = await Engine.create({ threads: 1 });
    try {
      const second = await failure(runAsset(project, 'endless', { engine: other, store }));
      expect(second).toMatchObject({ code: 'ASSET_RUN_IN_PROGRESS', value: { asset: 'endless', runId: holder.id } });
      const [skipped] = await runAsset(project, 'endless', { engine: other, store, onBusy: 'skip' });
      expect(skipped).toMatchObject({ status: 'skipped', heldBy: holder.id });
    } finally {
      control.abort();
      await first;
      await other.close();
    }
    expect(await store.lease('endless', undefined)).toBeUndefined();
    expect((await store.list({ asset: 'endless', limit: 1000 })).filter((r) => r.status === 'skipped')).toEqual([]);
  });

  it('takes over at once the lease of a process of this host that died, marking its run aborted', async () => {
    const dead: AssetRun = { id: 'dead-run', asset: 'quick', trigger: 'manual', startedAt: new Date().toISOString(), status: 'running', inputs: {} };
    await store.start(dead);
    const lease = { asset: 'quick', holder: 'dead-holder', runId: 'dead-run', owner: `${hostname()}:2147483646`, expiresAt: Date.now() + 3_600_000 };
    expect(await store.acquireLease(lease, Date.now())).toEqual({ acquired: true });
    const [run] = await runAsset(project, 'quick', { engine, store });
    expect(run?.status).toBe('success');
    expect(await store.get('dead-run')).toMatchObject({ status: 'aborted', error: { code: 'ASSET_RUN_ABORTED' } });
  });

  it('waits for the expiry of a lease held on another host', async () => {
    const lease = { asset: 'quick', holder: 'far-holder', runId: 'far-run', owner: 'elsewhere:1', expiresAt: Date.now() + 3_600_000 };
    expect(await store.acquireLease(lease, Date.now())).toEqual({ acquired: true });
    expect(await failure(runAsset(project, 'quick', { engine, store }))).toMatchObject({ code: 'ASSET_RUN_IN_PROGRESS', value: { runId: 'far-run' } });
    await store.releaseLease('quick', undefined, 'far-holder');
  });
});
