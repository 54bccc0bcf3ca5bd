import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedEngine } from '../../src/engine/index.js';
import type { MonitorsRun, MonitorStatusEntry } from '../../src/monitor/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { startReceiver, type WebhookReceiver } from '../monitor/alerts/webhook-receiver.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

/**
 * `aquifer monitor run | list | status` (the built CLI) on a project with monitors: exit 0
 * when all pass, 1 on a breach, 3 when one cannot run; --format json; --due; a typed error
 * for a bad monitor file; the alert's log line, with no secret in it.
 */
let project: string;
let receiver: WebhookReceiver;

async function monitor(name: string, definition: Record<string, unknown>): Promise<void> {
  await mkdir(path.join(project, 'monitors'), { recursive: true });
  await writeFile(path.join(project, 'monitors', `${name}.json`), JSON.stringify(definition));
}

beforeAll(async () => {
  project = path.join(await tempDir('aquifer-monitor-run-'), 'shop');
  expect((await runCli(['init', project])).code).toBe(0);
  await DeltaTable.create(path.join(project, 'tables', 'events'), { engine: await sharedEngine(), data: { sql: 'SELECT i AS id FROM range(10) t(i)' } });
  receiver = await startReceiver();
  await monitor('fresh', { kind: 'freshness', table: 'events', every: '1h', maxAge: '1d' });
  await monitor('sized', { kind: 'volume', table: 'events', every: '1h', per: 'commit', min: 5, max: 100 });
}, 120_000);
afterAll(() => receiver.stop());

const cli = (...args: string[]) => runCli(['monitor', ...args], { cwd: project, env: { AQUIFER_LOG_LEVEL: 'warn', HOOK_TOKEN: 'Bearer t0ken' } });

describe('aquifer monitor run', () => {
  it('exits 0 when every monitor passes and prints the results as JSON', async () => {
    const result = await cli('run', '--format', 'json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const run = JSON.parse(result.stdout) as MonitorsRun;
    expect(run.results.map((r) => [r.monitor, r.kind, r.status, r.value])).toEqual([
      ['fresh', 'freshness', 'ok', expect.any(Number)],
      ['sized', 'volume', 'ok', 10],
    ]);
  });

  it('with --due, runs only monitors whose interval has passed', async () => {
    const result = await cli('run', '--due', '--format', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ results: [], notDue: ['fresh', 'sized'], busy: [] });
  });

  it('exits 1 on a breach, fires the webhook once and logs the alert without its secrets', async () => {
    await monitor('tiny', {
      kind: 'volume',
      table: 'events',
      every: '1h',
      per: 'commit',
      min: 50,
      alerts: { webhook: { url: receiver.url, headersFromEnv: { Authorization: 'HOOK_TOKEN' } } },
    });
    const first = await cli('run', 'tiny');
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/tiny .*breach.*FIRING/s);
    expect(first.stderr).toContain('monitor tiny firing');
    expect(first.stderr).not.toMatch(/t0ken|secret-path/);
    const second = await cli('run', 'tiny', '--format', 'json');
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stdout)).toMatchObject({ results: [{ monitor: 'tiny', status: 'breach', alert: null, alertState: 'firing' }] });
    expect(receiver.received.map((r) => [r.body.monitor, r.body.status, r.headers['authorization']])).toEqual([['tiny', 'firing', 'Bearer t0ken']]);
  });

  it('exits 3 when no monitor breaches but one cannot run, and shows its error code', async () => {
    await monitor('ghost', { kind: 'schema', table: 'nowhere', every: '1h' });
    const result = await cli('run', 'ghost', 'fresh');
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('error TABLE_NOT_FOUND');
  });

  it('answers a typed error naming the file and field for an invalid monitor, and for an unknown name', async () => {
    await monitor('broken', { kind: 'freshness', table: 'events', every: 'often', maxAge: '1d' });
    const invalid = await cli('run', 'broken');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('MONITOR_DEFINITION_INVALID');
    expect(invalid.stderr).toContain('monitors/broken.json: every');
    const unknown = await cli('run', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('MONITOR_NOT_FOUND');
    await writeFile(path.join(project, 'monitors', 'broken.json'), JSON.stringify({ kind: 'freshness', table: 'events', every: '1d', maxAge: '1d' }));
  });
});

describe('aquifer monitor list and status', () => {
  it('lists the monitors and shows each alert state and last run', async () => {
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/tiny .*volume .*events .*1h .*webhook http:\/\/127\.0\.0\.1:\d+, log/);
    expect(list.stdout).not.toContain('secret-path');
    const status = await cli('status', '--format', 'json');
    expect(status.code).toBe(0);
    const entries = JSON.parse(status.stdout) as MonitorStatusEntry[];
    expect(entries.find((e) => e.monitor === 'tiny')).toMatchObject({ alert: 'firing', lastRun: { status: 'breach', value: 10 }, due: false, undelivered: 0 });
    expect(entries.find((e) => e.monitor === 'broken')).toMatchObject({ alert: 'ok', lastRun: null, due: true });
  });

  it('shows the alerts a webhook refused as dead letters, logged once without secrets', async () => {
    await monitor('refused', {
      kind: 'volume',
      table: 'events',
      every: '1h',
      per: 'commit',
      min: 50,
      alerts: { webhook: { url: receiver.url, headersFromEnv: { Authorization: 'HOOK_TOKEN' } } },
    });
    receiver.plan = [403];
    const run = await cli('run', 'refused');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((line) => line.includes('dead-lettered'))).toHaveLength(1);
    expect(run.stderr).not.toMatch(/t0ken|secret-path/);
    const json = JSON.parse((await cli('status', 'refused', '--format', 'json')).stdout) as MonitorStatusEntry[];
    expect(json[0]).toMatchObject({
      alert: 'firing',
      undelivered: 0,
      deadLetters: [{ notification: { monitor: 'refused', status: 'firing' }, attempts: 1, reason: 'HTTP 403' }],
    });
    const text = await cli('status', 'refused');
    expect(text.stdout).toMatch(/dead letters/);
    expect(text.stdout).toMatch(/refused: firing alert of \S+ given up at \S+ after 1 attempt \(HTTP 403\)/);
  });
});
