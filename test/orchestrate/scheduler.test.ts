import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import {
  LEASE_OWNER,
  runAsset,
  Scheduler,
  SqliteRunStore,
  type AssetRun,
  type RecoveredRun,
  type SchedulerLaunch,
  type Sleep,
} from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { EVENTS_SQL, writeAssets } from './fixture.js';

/**
 * The scheduler over real projects and real runs, with the clock in the test's hands: every
 * tick is called (or the loop's sleep released) by the test, never waited for.
 */
let engine: Engine;
let dir: string;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  dir = await tempDir('aquifer-scheduler-');
});
afterAll(() => engine.close());

class Clock {
  constructor(private time: Date) {}
  readonly now = () => this.time;
  set(iso: string): void {
    this.time = new Date(iso);
  }
}

async function sourceProject(name: string, assets: readonly Record<string, unknown>[]): Promise<{ project: Project; events: DeltaTable }> {
  const project = await Project.init(path.join(dir, name));
  const { table: events } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: EVENTS_SQL } });
  await DeltaTable.create(project.tablePath('rates'), { engine, data: { sql: "SELECT 'eur' AS currency, 1.1 AS rate" } });
  await writeAssets(project, 'pipeline', assets);
  return { project, events };
}

/** What a tick launched, once every launch ended: `asset[@partition] trigger status`. */
async function settled(launches: Promise<SchedulerLaunch[]>): Promise<string[]> {
  return Promise.all(
    (await launches).map(async (l) => `${l.asset}${l.partition === undefined ? '' : `@${l.partition}`} ${l.trigger} ${(await l.outcome).status}`),
  );
}

async function history(project: Project): Promise<AssetRun[]> {
  const store = SqliteRunStore.open(project.root);
  try {
    return (await store.list({ limit: 1000 })).reverse();
  } finally {
    await store.close();
  }
}

async function until(look: () => Promise<boolean>): Promise<void> {
  while (!(await look())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('cron schedules', () => {
  const DAILY = {
    name: 'clean_events',
    kind: 'sql',
    sql: 'SELECT id, day, channel, amount FROM events WHERE amount >= 0',
    partitions: { type: 'daily', column: 'day', start: '2024-05-01' },
    schedule: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
  };
  let project: Project;
  const clock = new Clock(new Date('2024-05-02T00:00:00Z'));

  beforeAll(async () => {
    ({ project } = await sourceProject('cron', [DAILY]));
  });
  afterAll(() => project.close());

  it("notes the time on its first look and runs a daily asset's previous day when its tick falls, once", async () => {
    const scheduler = new Scheduler(project, { engine, now: clock.now });
    try {
      expect(await settled(scheduler.tick())).toEqual([]);
      // 03:00 in Berlin (summer time).
      clock.set('2024-05-02T01:00:00Z');
      expect(await settled(scheduler.tick())).toEqual(['clean_events@2024-05-01 schedule success']);
      expect(await settled(scheduler.tick())).toEqual([]);
    } finally {
      await scheduler.stop();
    }
    const [run] = await history(project);
    expect(run).toMatchObject({ asset: 'clean_events', partition: '2024-05-01', trigger: 'schedule', status: 'success' });
  });

  it('does not repeat a tick after a restart', async () => {
    clock.set('2024-05-02T05:00:00Z');
    const restarted = new Scheduler(project, { engine, now: clock.now });
    try {
      expect(await settled(restarted.tick())).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });

  it('runs only the latest of the ticks missed while it was down', async () => {
    clock.set('2024-05-05T12:00:00Z');
    const restarted = new Scheduler(project, { engine, now: clock.now });
    try {
      expect(await settled(restarted.tick())).toEqual(['clean_events@2024-05-04 schedule success']);
      expect(await settled(restarted.tick())).toEqual([]);
    } finally {
      await restarted.stop();
    }
    expect((await history(project)).map((r) => r.partition)).toEqual(['2024-05-01', '2024-05-04']);
  });
});

describe('sensors on upstream commits', () => {
  const SENSED = { sensor: { onUpstreamCommit: true } };
  let project: Project;
  let events: DeltaTable;
  let scheduler: Scheduler;

  beforeAll(async () => {
    ({ project, events } = await sourceProject('sensors', [
      { name: 'clean_events', kind: 'sql', sql: 'SELECT id, day, channel, amount FROM events WHERE amount >= 0', ...SENSED },
      { name: 'daily_totals', kind: 'sql', sql: 'SELECT day, sum(amount) AS total FROM clean_events GROUP BY day', ...SENSED },
      { name: 'rate_copy', kind: 'sql', sql: 'SELECT * FROM rates', ...SENSED },
      // Fails when it runs ('web' is no integer), so what reads it never gets a table to read.
      { name: 'broken', kind: 'sql', sql: 'SELECT id, CAST(channel AS INTEGER) AS channel FROM events', ...SENSED },
      { name: 'after_broken', kind: 'sql', sql: 'SELECT * FROM broken', ...SENSED },
    ]));
    for (const asset of ['clean_events', 'daily_totals', 'rate_copy']) await runAsset(project, asset, { engine });
    scheduler = new Scheduler(project, { engine, now: () => new Date('2024-05-10T00:00:00Z') });
  });
  afterAll(async () => {
    await scheduler.stop();
    project.close();
  });

  it('runs nothing while every input is as its last run read it', async () => {
    expect(await settled(scheduler.tick())).toEqual([]);
  });

  it('runs only what is downstream of a new commit, one step per tick, and a failing asset neither stops the rest nor runs what reads it', async () => {
    await events.append({ sql: "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount" });
    expect(await settled(scheduler.tick())).toEqual(['clean_events sensor success', 'broken sensor failed']);
    expect(await settled(scheduler.tick())).toEqual(['daily_totals sensor success']);
    // The failed asset is not relaunched for the same commit, and after_broken has nothing new to read.
    expect(await settled(scheduler.tick())).toEqual([]);
    const runs = (await history(project)).filter((r) => r.trigger === 'sensor').map((r) => [r.asset, r.status, r.inputs]);
    // The first tick's two runs start concurrently, so their order in the history is either.
    expect(runs.slice(0, 2)).toEqual(
      expect.arrayContaining([
        ['clean_events', 'success', { events: 1 }],
        ['broken', 'failed', { events: 1 }],
      ]),
    );
    expect(runs.slice(2)).toEqual([['daily_totals', 'success', { clean_events: 1 }]]);
  });

  it('runs an asset for commits made while no scheduler watched it', async () => {
    await scheduler.stop();
    await events.append({ sql: "SELECT 6 AS id, DATE '2024-05-02' AS day, 'app' AS channel, 1.0 AS amount" });
    scheduler = new Scheduler(project, { engine, now: () => new Date('2024-05-10T00:00:00Z') });
    expect(await settled(scheduler.tick())).toEqual(['clean_events sensor success', 'broken sensor failed']);
  });
});

describe('sensors over a diamond', () => {
  it('runs an asset that reads a new commit both directly and through another asset once, after that asset', async () => {
    const SENSED = { sensor: { onUpstreamCommit: true } };
    const { project, events } = await sourceProject('diamond', [
      { name: 'clean', kind: 'sql', sql: 'SELECT * FROM events WHERE amount >= 0', ...SENSED },
      // Reads events directly and through clean: one commit to events reaches it twice.
      { name: 'joined', kind: 'sql', sql: 'SELECT e.id, c.amount FROM events e LEFT JOIN clean c USING (id)', ...SENSED },
      // Not sensed: nothing runs it, so what reads it does not wait for it.
      { name: 'manual', kind: 'sql', sql: 'SELECT * FROM events' },
      { name: 'beside_manual', kind: 'sql', sql: 'SELECT m.id FROM events e JOIN manual m USING (id)', ...SENSED },
    ]);
    for (const asset of ['clean', 'joined', 'manual', 'beside_manual']) await runAsset(project, asset, { engine });
    const scheduler = new Scheduler(project, { engine, now: () => new Date('2024-05-10T00:00:00Z') });
    try {
      expect(await settled(scheduler.tick())).toEqual([]);
      await events.append({ sql: "SELECT 7 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 3.0 AS amount" });
      expect(await settled(scheduler.tick())).toEqual(['clean sensor success', 'beside_manual sensor success']);
      expect(await settled(scheduler.tick())).toEqual(['joined sensor success']);
      expect(await settled(scheduler.tick())).toEqual([]);
      const runs = (await history(project)).filter((r) => r.trigger === 'sensor').map((r) => [r.asset, r.inputs]);
      // One tick's runs start concurrently, so their order in the history is either.
      expect(runs.slice(0, 2)).toEqual(
        expect.arrayContaining([
          ['clean', { events: 1 }],
          ['beside_manual', { events: 1, manual: 0 }],
        ]),
      );
      expect(runs.slice(2)).toEqual([['joined', { events: 1, clean: 1 }]]);
    } finally {
      await scheduler.stop();
      project.close();
    }
  });
});

describe('the loop', () => {
  it('ticks until stopped, and a stop lets the run in progress end', async () => {
    const { project, events } = await sourceProject('loop', [
      { name: 'clean_events', kind: 'sql', sql: 'SELECT * FROM events', sensor: { onUpstreamCommit: true } },
    ]);
    await runAsset(project, 'clean_events', { engine });
    await events.append({ sql: "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount" });
    // Each sleep of the loop resolves only when the test lets it (or the loop stops).
    const sleeps: (() => void)[] = [];
    let slept: () => void = () => undefined;
    const sleptOnce = new Promise<void>((resolve) => (slept = resolve));
    const sleep: Sleep = (_ms, signal) =>
      new Promise((resolve) => {
        sleeps.push(resolve);
        signal?.addEventListener('abort', () => resolve());
        slept();
      });
    const scheduler = new Scheduler(project, { engine, sleep });
    scheduler.start();
    await sleptOnce;
    await scheduler.stop();
    expect((await history(project)).map((r) => [r.trigger, r.status])).toEqual([
      ['manual', 'success'],
      ['sensor', 'success'],
    ]);
    project.close();
  });

  it('runs one at a time with a concurrency of 1: each run starts after the one before ended', async () => {
    const { project, events } = await sourceProject('one-at-a-time', [
      { name: 'a', kind: 'sql', sql: 'SELECT * FROM events', sensor: { onUpstreamCommit: true } },
      { name: 'b', kind: 'sql', sql: 'SELECT count(*) AS n FROM events', sensor: { onUpstreamCommit: true } },
    ]);
    const scheduler = new Scheduler(project, { engine, concurrency: 1 });
    try {
      expect(await settled(scheduler.tick())).toEqual([]);
      await events.append({ sql: "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount" });
      expect(await settled(scheduler.tick())).toEqual(['a sensor success', 'b sensor success']);
    } finally {
      await scheduler.stop();
    }
    const [first, second] = await history(project);
    expect(second?.startedAt.localeCompare(first?.finishedAt ?? '')).toBeGreaterThanOrEqual(0);
    project.close();
  });

  it('cancels a run still going past the grace period, recorded cancelled, rather than wait for it', async () => {
    const { project, events } = await sourceProject('grace', [
      { name: 'endless', kind: 'sql', sql: 'SELECT count(*) AS n FROM range(1000000000000) a, events', sensor: { onUpstreamCommit: true } },
    ]);
    // The grace period is over as soon as it starts.
    const scheduler = new Scheduler(project, { engine, graceMs: 0, sleep: () => Promise.resolve() });
    expect(await settled(scheduler.tick())).toEqual([]);
    await events.append({ sql: "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount" });
    const launches = await scheduler.tick();
    // Stopped once the run is recorded running (a stop before it started would drop it instead).
    await until(async () => (await history(project)).some((r) => r.status === 'running'));
    await scheduler.stop();
    const [outcome] = await Promise.all(launches.map((l) => l.outcome));
    expect(outcome).toMatchObject({ status: 'cancelled', error: { code: 'ASSET_RUN_CANCELLED' } });
    expect((await history(project)).map((r) => [r.id, r.status])).toEqual([[outcome?.runId, 'cancelled']]);
    project.close();
  });

  it('skips a launch whose asset another run holds, without recording it, and launches it on a later tick', async () => {
    const { project, events } = await sourceProject('held', [
      { name: 'clean_events', kind: 'sql', sql: 'SELECT * FROM events', sensor: { onUpstreamCommit: true } },
    ]);
    const store = SqliteRunStore.open(project.root);
    const scheduler = new Scheduler(project, { engine, store });
    try {
      expect(await settled(scheduler.tick())).toEqual([]);
      await events.append({ sql: "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount" });
      const holder = { asset: 'clean_events', holder: 'elsewhere', runId: 'run-elsewhere', owner: LEASE_OWNER, expiresAt: Date.now() + 3_600_000 };
      expect(await store.acquireLease(holder, Date.now())).toEqual({ acquired: true });
      const [held] = await scheduler.tick();
      expect(await held?.outcome).toMatchObject({ status: 'skipped', error: { code: 'ASSET_RUN_IN_PROGRESS' } });
      expect(await store.list({})).toEqual([]);
      await store.releaseLease('clean_events', undefined, 'elsewhere');
      expect(await settled(scheduler.tick())).toEqual(['clean_events sensor success']);
    } finally {
      await scheduler.stop();
      await store.close();
    }
    project.close();
  });

  it('recovers on start: a run a dead process left running is aborted and retried per its policy, once', async () => {
    const { project } = await sourceProject('recover', [{ name: 'clean_events', kind: 'sql', sql: 'SELECT * FROM events', retry: { attempts: 2 } }]);
    const store = SqliteRunStore.open(project.root);
    await store.start({ id: 'crashed', asset: 'clean_events', trigger: 'schedule', startedAt: new Date().toISOString(), status: 'running', inputs: {} });
    // A pid no process has: the lease's owner is gone.
    const dead = { asset: 'clean_events', holder: 'dead', runId: 'crashed', owner: `${hostname()}:2147483646`, expiresAt: Date.now() + 3_600_000 };
    expect(await store.acquireLease(dead, Date.now())).toEqual({ acquired: true });
    let recovered: (runs: RecoveredRun[]) => void = () => undefined;
    const found = new Promise<RecoveredRun[]>((resolve) => (recovered = resolve));
    const scheduler = new Scheduler(project, { engine, store, sleep: () => found.then(() => undefined), onRecover: (runs) => recovered(runs) });
    scheduler.start();
    const runs = await found;
    await scheduler.stop();
    expect(runs.map((r) => [r.aborted.id, r.aborted.status, r.retry?.status, r.retry?.attempt, r.retry?.retryOf])).toEqual([
      ['crashed', 'aborted', 'success', 2, 'crashed'],
    ]);
    expect((await store.list({})).map((r) => r.status).sort()).toEqual(['aborted', 'success']);
    await store.close();
    project.close();
  });
});
