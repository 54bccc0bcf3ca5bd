import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { EVENTS_SQL } from '../orchestrate/fixture.js';
import { runCli } from '../support/cli.js';
import { exited } from '../support/processes.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

/** `aquifer scheduler` (the built CLI): one tick with --once, and the loop until SIGTERM. */
let dir: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-scheduler-cli-');
});

const ASSETS = [
  { name: 'clean_events', kind: 'sql', sql: 'SELECT * FROM events WHERE amount >= 0', sensor: { onUpstreamCommit: true } },
  {
    name: 'daily_clean',
    kind: 'sql',
    sql: 'SELECT * FROM events WHERE amount >= 0',
    partitions: { type: 'daily', column: 'day', start: '2024-05-01' },
    schedule: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
  },
];

async function project(name: string): Promise<string> {
  const root = path.join(dir, name);
  expect((await runCli(['init', root])).code).toBe(0);
  await append(root, EVENTS_SQL, true);
  await mkdir(path.join(root, 'pipelines'));
  await writeFile(path.join(root, 'pipelines', 'shop.json'), JSON.stringify({ assets: ASSETS }));
  return root;
}

async function append(root: string, sql: string, create = false): Promise<void> {
  const engine = await Engine.create({ threads: 1 });
  try {
    if (create) await DeltaTable.create(path.join(root, 'tables', 'events'), { engine, data: { sql } });
    else await (await DeltaTable.open(path.join(root, 'tables', 'events'), { engine })).append({ sql });
  } finally {
    engine.close();
  }
}

const NEW_ROW = "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount";

describe('aquifer scheduler', () => {
  it('--once notes the time on a first look, then runs a sensed asset after a commit and a scheduled one whose tick was missed', async () => {
    const root = await project('once');
    const first = await runCli(['scheduler', '--once', '--project', root]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('Nothing due.');

    await append(root, NEW_ROW);
    // As if the last tick evaluated was two days ago: the missed ticks make one run.
    const stateFile = path.join(root, '.aquifer', 'scheduler.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { assets: Record<string, { evaluatedUpTo?: string }> };
    state.assets['daily_clean'] = { evaluatedUpTo: new Date(Date.now() - 2 * 86_400_000).toISOString() };
    await writeFile(stateFile, JSON.stringify(state));
    const second = await runCli(['scheduler', '--once', '--project', root, '--format', 'json']);
    expect(second.code, second.stderr).toBe(0);
    const launched = JSON.parse(second.stdout) as { asset: string; partition?: string; trigger: string; status: string; runId: string }[];
    expect(launched.map((l) => [l.asset, l.trigger, l.status])).toEqual([
      ['clean_events', 'sensor', 'success'],
      ['daily_clean', 'schedule', 'success'],
    ]);
    expect(launched[1]?.partition).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const runs = await runCli(['runs', 'list', '--project', root, '--format', 'json']);
    expect((JSON.parse(runs.stdout) as { id: string }[]).map((r) => r.id).sort()).toEqual(launched.map((l) => l.runId).sort());

    const third = await runCli(['scheduler', '--once', '--project', root]);
    expect(third.stdout.trim()).toBe('Nothing due.');
  });

  it('runs until SIGTERM, printing each run a new commit started, and exits 0', async () => {
    const root = await project('loop');
    expect((await runCli(['run', 'clean_events', '--project', root])).code).toBe(0);
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'scheduler', '--tick-seconds', '1', '--project', root, '--format', 'json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      await append(root, NEW_ROW);
      expect(JSON.parse((await lines.next()).value as string)).toMatchObject({
        asset: 'clean_events',
        trigger: 'sensor',
        status: 'success',
        reason: { moved: ['events'] },
      });
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(child.exitCode).toBe(0);
  });
});
