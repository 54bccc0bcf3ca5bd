import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedEngine } from '../../src/engine/index.js';
import { SqliteRunStore, type AssetRun } from '../../src/orchestrate/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { exited, startCli } from '../support/processes.js';
import { tempDir } from '../support/temp.js';

/**
 * The crash proof, with real processes: `aquifer scheduler` (the built CLI) SIGKILLed
 * while it runs a scheduled partition, then started again. The asset is slow on purpose and
 * deterministically: its function waits until the test creates a gate file, so the kill always
 * lands mid-run. No timing is asserted; each wait is on the run history.
 */
let root: string;

/** Three rows a day for the last ten days (the partition a tick runs is yesterday's, by the real clock). */
const RECENT_SQL = `SELECT i AS id, (current_date - (i // 3)::INTEGER) AS day, i::DOUBLE AS amount FROM range(30) t(i)`;

/** Waits for the gate file beside it, then returns the events it reads (filtered to the partition by the runner). */
const SLOW_MODULE = `import { existsSync } from 'node:fs';
const gate = new URL('./gate', import.meta.url);
export default async function ({ tables }) {
  while (!existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 50));
  return { sql: \`SELECT id, day, amount FROM (\${tables.events})\` };
}
`;

beforeAll(async () => {
  root = path.join(await tempDir('aquifer-scheduler-crash-'), 'shop');
  expect((await runCli(['init', root])).code).toBe(0);
  await DeltaTable.create(path.join(root, 'tables', 'events'), { engine: await sharedEngine(), data: { sql: RECENT_SQL } });
  await mkdir(path.join(root, 'pipelines'));
  await writeFile(path.join(root, 'slow.mjs'), SLOW_MODULE);
  await writeFile(
    path.join(root, 'pipelines', 'shop.json'),
    JSON.stringify({
      assets: [
        {
          name: 'by_day',
          kind: 'typescript',
          module: 'slow.mjs',
          reads: ['events'],
          partitions: { type: 'daily', column: 'day', start: '2024-01-01' },
          schedule: { cron: '0 3 * * *', timezone: 'UTC' },
          retry: { attempts: 2, backoffSeconds: 1 },
        },
      ],
    }),
  );
}, 120_000);

async function history(): Promise<AssetRun[]> {
  const store = SqliteRunStore.open(root);
  try {
    return (await store.list({ limit: 1000 })).reverse();
  } finally {
    await store.close();
  }
}

/** Look at the run history until `look` finds what it waits for (generous: the test's own timeout bounds it). */
async function until<T>(look: (runs: AssetRun[]) => T | undefined): Promise<T> {
  for (;;) {
    const found = look(await history());
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('aquifer scheduler killed mid-run', () => {
  it('finds the run aborted on restart and retries it once per its policy, never two at once, leaving the partition as one run writes it', async () => {
    // The first look only notes the time; then, as if two days passed, a tick is due.
    expect((await runCli(['scheduler', '--once', '--project', root])).stdout.trim()).toBe('Nothing due.');
    const stateFile = path.join(root, '.aquifer', 'scheduler.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { assets: Record<string, { evaluatedUpTo?: string }> };
    state.assets['by_day'] = { evaluatedUpTo: new Date(Date.now() - 2 * 86_400_000).toISOString() };
    await writeFile(stateFile, JSON.stringify(state));

    const args = ['scheduler', '--tick-seconds', '1', '--project', root];
    const first = startCli(args, { AQUIFER_LOG_LEVEL: 'warn' });
    const killed = await until((runs) => runs.find((r) => r.status === 'running'));
    expect(killed).toMatchObject({ asset: 'by_day', trigger: 'schedule' });
    first.kill('SIGKILL');
    await exited(first);
    expect((await history()).map((r) => [r.id, r.status])).toEqual([[killed.id, 'running']]);

    await writeFile(path.join(root, 'gate'), '');
    const second = startCli(args, { AQUIFER_LOG_LEVEL: 'warn' });
    let stderr = '';
    second.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const retry = await until((runs) => runs.find((r) => r.retryOf === killed.id && r.status !== 'running'));
    // A few more ticks: nothing else is launched for the tick the killed run had (the state kept it as evaluated).
    const ticksLater = Date.now() + 3_000;
    await until((runs) => (Date.now() > ticksLater ? runs : undefined));
    second.kill('SIGTERM');
    await exited(second);
    expect(second.exitCode, stderr).toBe(0);

    const runs = await history();
    expect(runs.map((r) => [r.id, r.trigger, r.status, r.attempt ?? 1])).toEqual([
      [killed.id, 'schedule', 'aborted', 1],
      [retry.id, 'retry', 'success', 2],
    ]);
    expect(retry).toMatchObject({ asset: 'by_day', partition: killed.partition });
    // Never two at once: the retry started once the killed run was marked aborted.
    const aborted = runs[0] as AssetRun;
    expect(retry.startedAt.localeCompare(aborted.finishedAt ?? '')).toBeGreaterThanOrEqual(0);
    expect(stderr).toContain(`recovered run ${killed.id} of by_day: aborted, retried: success`);

    // The table is consistent: the partition holds exactly that day's events, once.
    const engine = await sharedEngine();
    const read = async (table: string, where: string) => {
      const scan = await (await DeltaTable.open(path.join(root, 'tables', table), { engine })).scan();
      return engine.queryJson(`SELECT id, day::VARCHAR AS day, amount FROM (${await scan.sql()}) WHERE ${where} ORDER BY id`);
    };
    const day = `day = DATE '${killed.partition ?? ''}'`;
    expect(await read('by_day', 'true')).toEqual(await read('events', day));
    expect((await read('by_day', 'true')).length).toBe(3);
  }, 180_000);
});

describe('aquifer scheduler stopped by SIGTERM', () => {
  it('cancels a run still going when the grace period ends, recorded cancelled, and exits 0', async () => {
    const stopping = path.join(path.dirname(root), 'stopping');
    expect((await runCli(['init', stopping])).code).toBe(0);
    const { table: events } = await DeltaTable.create(path.join(stopping, 'tables', 'events'), { engine: await sharedEngine(), data: { sql: RECENT_SQL } });
    await mkdir(path.join(stopping, 'pipelines'));
    const endless = { name: 'endless', kind: 'sql', sql: 'SELECT count(*) AS n FROM range(1000000000000) a, events', sensor: { onUpstreamCommit: true } };
    await writeFile(path.join(stopping, 'pipelines', 'shop.json'), JSON.stringify({ assets: [endless] }));
    const child = startCli(['scheduler', '--tick-seconds', '1', '--grace-seconds', '0', '--project', stopping], { AQUIFER_LOG_LEVEL: 'warn' });
    const runs = async () => {
      const store = SqliteRunStore.open(stopping);
      try {
        return await store.list({ limit: 10 });
      } finally {
        await store.close();
      }
    };
    // Commits until the sensor has seen the table and a run of the new version is going.
    let running: AssetRun | undefined;
    while ((running = (await runs()).find((r) => r.status === 'running')) === undefined) {
      await events.append({ sql: 'SELECT 1000 AS id, current_date AS day, 1.0 AS amount' });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    child.kill('SIGTERM');
    await exited(child);
    expect(child.exitCode).toBe(0);
    expect((await runs()).map((r) => [r.id, r.status])).toEqual([[running.id, 'cancelled']]);
  }, 120_000);
});
