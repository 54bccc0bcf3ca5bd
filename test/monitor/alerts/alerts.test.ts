import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { log } from '../../../src/log.js';
import { monitorStatus, openMonitorResults, runMonitors, webhookBackoffMs, type MonitorResult } from '../../../src/monitor/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';
import { writeMonitor } from '../monitors/fixture.js';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.js';

/**
 * Alerts over a sequence of runs of a freshness monitor, breaching or not by the injected
 * clock: fired once, resolved once, held back by `for`, delivered to a real HTTP receiver
 * through retries on later runs (each once its backoff has passed), kept while the receiver is
 * down, dead-lettered when refused or tried too often, and kept in the project across reopening.
 */
let engine: Engine;
let root: string;
let receiver: WebhookReceiver;
let lastCommit: number;
const HOUR = 3_600_000;
/** The clock at which the freshness monitor (maxAge 2h) passes, and at which it breaches. */
const OK = () => lastCommit + HOUR;
const BREACH = () => lastCommit + 3 * HOUR;
const SECOND = 1_000;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = path.join(await tempDir('aquifer-monitor-alerts-'), 'project');
  const project = await Project.init(root);
  const { table } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: 'SELECT 1 AS id' } });
  lastCommit = (await table.snapshot()).timestamp;
  receiver = await startReceiver();
  return () => engine.close();
});
afterAll(() => receiver.stop());

async function monitor(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const project = await Project.open(root);
  await writeMonitor(project, name, {
    kind: 'freshness',
    table: 'events',
    every: '1h',
    maxAge: '2h',
    alerts: { webhook: { url: receiver.url, headersFromEnv: { Authorization: 'MONITOR_TEST_TOKEN' }, maxAttempts: 3 } },
    ...extra,
  });
}

/** One run of one monitor, in a freshly opened project (as separate processes would). */
async function run(name: string, now: number): Promise<MonitorResult> {
  const project = await Project.open(root);
  const { results } = await runMonitors(project, { names: [name], now, engine });
  return results[0] as MonitorResult;
}

/** What the server's scheduler does on a tick (`runDueMonitors`), for one monitor: run it if due, and send what waits once its backoff has passed. */
async function tick(name: string, now: number): Promise<void> {
  await runMonitors(await Project.open(root), { names: [name], due: true, now, engine });
}

const answersFor = (name: string) => receiver.received.filter((r) => r.body.monitor === name).map((r) => r.answered);
const sentFor = (name: string) => receiver.received.filter((r) => r.body.monitor === name && r.answered === 200).map((r) => r.body.status);

describe('alert state', () => {
  it('fires once on the first breach, sends nothing while firing, resolves once on the first ok', async () => {
    process.env['MONITOR_TEST_TOKEN'] = 'Bearer s3cr3t';
    await monitor('seq');
    const clocks = [OK(), BREACH(), BREACH(), BREACH(), OK(), OK(), BREACH()];
    const transitions: (string | null)[] = [];
    for (const [i, now] of clocks.entries()) transitions.push((await run('seq', now + i)).alert);
    expect(transitions).toEqual([null, 'firing', null, null, 'resolved', null, 'firing']);
    expect(sentFor('seq')).toEqual(['firing', 'resolved', 'firing']);
    const [fired, resolved] = receiver.received.filter((r) => r.body.monitor === 'seq');
    expect(fired?.headers['authorization']).toBe('Bearer s3cr3t');
    expect(fired?.body).toMatchObject({ monitor: 'seq', kind: 'freshness', table: 'events', status: 'firing', threshold: 7200, details: { maxAge: '2h' } });
    expect(fired?.body.value).toBeGreaterThan(7200);
    expect(resolved?.body).toMatchObject({ status: 'resolved', startsAt: fired?.body.startsAt, endsAt: expect.any(String) });
    const rows = await (await (await openMonitorResults(await Project.open(root), engine)).scan({ where: "monitor = 'seq'" })).rows();
    expect(rows.filter((r) => r['alert'] !== null).map((r) => [r['alert'], r['alert_delivered']])).toHaveLength(3);
    expect(rows.filter((r) => r['alert'] !== null).every((r) => r['alert_delivered'] === true)).toBe(true);
  });

  it('with for: 2, fires only after two breaching runs in a row', async () => {
    await monitor('hysteresis', { for: 2 });
    const transitions: (string | null)[] = [];
    for (const [i, now] of [BREACH(), OK(), BREACH(), BREACH(), BREACH(), OK()].entries()) transitions.push((await run('hysteresis', now + i)).alert);
    expect(transitions).toEqual([null, null, null, 'firing', null, 'resolved']);
    expect(sentFor('hysteresis')).toEqual(['firing', 'resolved']);
  });

  it('keeps the alert state in the project: a reopened project does not fire again, and resolves what an earlier one fired', async () => {
    await monitor('durable');
    expect((await run('durable', BREACH())).alert).toBe('firing');
    const reopened = await Project.open(root);
    expect((await monitorStatus(reopened, { names: ['durable'] }))[0]).toMatchObject({ alert: 'firing', lastRun: { status: 'breach' }, undelivered: 0 });
    expect((await run('durable', BREACH() + 1)).alert).toBeNull();
    expect((await run('durable', OK() + 2)).alert).toBe('resolved');
    expect(sentFor('durable')).toEqual(['firing', 'resolved']);
  });

  it('never fires twice for two runs at once', async () => {
    await monitor('racing');
    const runs = await Promise.all([0, 1].map(async () => runMonitors(await Project.open(root), { names: ['racing'], now: BREACH(), engine })));
    const results = runs.flatMap((r) => r.results);
    // The second either found the lock taken (left to the first: busy) or ran after the first and saw it firing.
    expect(results.filter((r) => r.alert === 'firing')).toHaveLength(1);
    expect(results.length + runs.flatMap((r) => r.busy).length).toBe(2);
    expect(sentFor('racing')).toEqual(['firing']);
  });
});

describe('webhook delivery', () => {
  it('tries an undelivered alert once per run, and on later runs only once its backoff has passed', async () => {
    await monitor('flaky');
    receiver.plan = [500, 500];
    expect(await run('flaky', BREACH())).toMatchObject({ alert: 'firing', undelivered: 1 });
    expect(answersFor('flaky')).toEqual([500]);
    expect((await monitorStatus(await Project.open(root), { names: ['flaky'] }))[0]).toMatchObject({
      undelivered: 1,
      nextAttemptAt: new Date(BREACH() + 30 * SECOND).toISOString(),
    });
    // Ticks before the 30 s backoff send nothing; the first after it tries once, and backs off 60 s.
    for (const at of [1, 15, 29]) await tick('flaky', BREACH() + at * SECOND);
    expect(answersFor('flaky')).toEqual([500]);
    await tick('flaky', BREACH() + 30 * SECOND);
    expect(answersFor('flaky')).toEqual([500, 500]);
    for (const at of [45, 60, 89]) await tick('flaky', BREACH() + at * SECOND);
    expect(answersFor('flaky')).toEqual([500, 500]);
    await tick('flaky', BREACH() + 90 * SECOND);
    expect(answersFor('flaky')).toEqual([500, 500, 200]);
    expect((await monitorStatus(await Project.open(root), { names: ['flaky'] }))[0]).toMatchObject({ undelivered: 0, nextAttemptAt: null, deadLetters: [] });
  });

  it('backs off exponentially from 30 s, at most an hour', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((attempts) => webhookBackoffMs(attempts) / SECOND)).toEqual([30, 60, 120, 240, 1920, 3600, 3600]);
  });

  it('dead-letters an alert the webhook refuses with a 4xx, logs it once without secrets, and sends the later ones', async () => {
    await monitor('refused');
    const warn = vi.spyOn(log, 'warn');
    try {
      receiver.plan = [400];
      expect(await run('refused', BREACH())).toMatchObject({ alert: 'firing', undelivered: 0 });
      expect(await run('refused', OK() + 1)).toMatchObject({ alert: 'resolved', undelivered: 0 });
      const letters = warn.mock.calls.filter((call) => String(call[1]).includes('dead-lettered'));
      expect(letters).toHaveLength(1);
      expect(JSON.stringify(letters)).not.toMatch(/secret-path|s3cr3t/);
      expect(letters[0]?.[0]).toMatchObject({ monitor: 'refused', reason: 'HTTP 400', webhook: new URL(receiver.url).origin });
    } finally {
      warn.mockRestore();
    }
    expect(answersFor('refused')).toEqual([400, 200]);
    expect(sentFor('refused')).toEqual(['resolved']);
    const status = (await monitorStatus(await Project.open(root), { names: ['refused'] }))[0];
    expect(status).toMatchObject({ undelivered: 0, deadLetters: [{ notification: { status: 'firing' }, attempts: 1, reason: 'HTTP 400' }] });
    const rows = await (await (await openMonitorResults(await Project.open(root), engine)).scan({ where: "monitor = 'refused'" })).rows();
    expect(rows.map((r) => [r['alert'], r['alert_delivered']])).toEqual([
      ['firing', false],
      ['resolved', true],
    ]);
  });

  it('retries 408 and 429 like 5xx, and dead-letters an alert after maxAttempts failures', async () => {
    await monitor('exhausted'); // maxAttempts: 3
    receiver.plan = [503, 429, 408];
    await run('exhausted', BREACH());
    await tick('exhausted', BREACH() + 30 * SECOND);
    expect((await monitorStatus(await Project.open(root), { names: ['exhausted'] }))[0]).toMatchObject({ undelivered: 1, deadLetters: [] });
    await tick('exhausted', BREACH() + 90 * SECOND);
    expect(answersFor('exhausted')).toEqual([503, 429, 408]);
    expect((await monitorStatus(await Project.open(root), { names: ['exhausted'] }))[0]).toMatchObject({
      undelivered: 0,
      deadLetters: [{ notification: { status: 'firing' }, attempts: 3, reason: 'HTTP 408', at: new Date(BREACH() + 90 * SECOND).toISOString() }],
    });
    // Given up for good: later ticks send it no more.
    await tick('exhausted', BREACH() + 3 * 3600 * SECOND);
    expect(answersFor('exhausted')).toEqual([503, 429, 408]);
  });

  it('keeps the alert undelivered while the webhook is down and delivers it on the next run', async () => {
    await monitor('down');
    await receiver.stop();
    let result: MonitorResult;
    try {
      result = await run('down', BREACH());
    } finally {
      await receiver.start();
    }
    expect(result).toMatchObject({ alert: 'firing', alertState: 'firing', undelivered: 1 });
    expect((await monitorStatus(await Project.open(root), { names: ['down'] }))[0]).toMatchObject({ alert: 'firing', undelivered: 1 });
    const rows = await (await (await openMonitorResults(await Project.open(root), engine)).scan({ where: "monitor = 'down'" })).rows();
    expect(rows.map((r) => [r['alert'], r['alert_delivered']])).toEqual([['firing', false]]);
    // Not due yet (every: 1h), yet what waited is sent once its backoff (30 s) has passed.
    const early = await runMonitors(await Project.open(root), { names: ['down'], due: true, now: BREACH() + 30 * SECOND, engine });
    expect(early).toMatchObject({ results: [], notDue: ['down'] });
    expect(sentFor('down')).toEqual(['firing']);
    // Still breaching when next judged: nothing new fires.
    expect(await run('down', BREACH() + 31 * SECOND)).toMatchObject({ alert: null, undelivered: 0 });
    expect(sentFor('down')).toEqual(['firing']);
  });

  it('does not send an alert whose header variable is unset, and keeps it', async () => {
    await monitor('no-token', { alerts: { webhook: { url: receiver.url, headersFromEnv: { 'X-Token': 'MONITOR_TEST_UNSET' } } } });
    expect(await run('no-token', BREACH())).toMatchObject({ alert: 'firing', undelivered: 1 });
    expect(sentFor('no-token')).toEqual([]);
    const state = (await monitorStatus(await Project.open(root), { names: ['no-token'] }))[0];
    expect(state).toMatchObject({ undelivered: 1 });
  });
});
