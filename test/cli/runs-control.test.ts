import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sharedEngine } from '../../src/engine/index.js';
import { SqliteRunStore, type AssetRun, type AssetRunLogEntry, type BackfillSummary } from '../../src/orchestrate/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

/**
 * The runner through the built CLI, with real processes: a backfill SIGKILLed mid-way and run
 * again does every partition exactly once; a run SIGKILLed mid-way is found aborted by
 * `runs recover` and runs again; `runs cancel` stops a run in another process; `runs logs`
 * and `runs retry`.
 */
let project: string;

/** Three rows a day for May 2024, one with a negative amount. */
const MONTH_SQL = `SELECT i AS id, (DATE '2024-05-01' + (i // 3)::INTEGER) AS day, (i % 7 - 1)::DOUBLE AS amount FROM range(90) t(i)`;
/** The same rows, each partition made slow on purpose by a count DuckDB has to do (so a SIGKILL lands mid-run). */
const SLOW_CLEAN = 'SELECT id, day, amount FROM events, (SELECT count(*) AS n FROM range(150000000)) WHERE amount >= 0';

beforeAll(async () => {
  project = path.join(await tempDir('aquifer-runs-cli-'), 'shop');
  expect((await runCli(['init', project])).code).toBe(0);
  await DeltaTable.create(path.join(project, 'tables', 'events'), { engine: await sharedEngine(), data: { sql: MONTH_SQL } });
  await mkdir(path.join(project, 'pipelines'));
  await writeFile(
    path.join(project, 'pipelines', 'month.json'),
    JSON.stringify({
      assets: [
        { name: 'by_day', kind: 'sql', sql: SLOW_CLEAN, partitions: { type: 'daily', column: 'day', start: '2024-05-01' } },
        { name: 'whole', kind: 'sql', sql: 'SELECT id, day, amount FROM events WHERE amount >= 0' },
        { name: 'slow_whole', kind: 'sql', sql: SLOW_CLEAN },
        { name: 'endless', kind: 'sql', sql: 'SELECT count(*) AS n FROM range(1000000000000)' },
        { name: 'fails', kind: 'sql', sql: "SELECT error('boom') AS x" },
        // Fails, then waits an hour before its second attempt: only a cancel ends the wait within a test.
        { name: 'waits_to_retry', kind: 'sql', sql: "SELECT error('boom') AS x", retry: { attempts: 2, backoffSeconds: 3600 } },
      ],
    }),
  );
}, 120_000);

const cli = (...args: string[]) => runCli([...args, '--project', project], { env: { AQUIFER_LOG_LEVEL: 'warn' } });
const json = async <T>(...args: string[]): Promise<T> => {
  const result = await cli(...args, '--format', 'json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};
/** The CLI as a child process of its own, so the test can SIGKILL it. */
const start = (...args: string[]): ChildProcess =>
  spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args, '--project', project], {
    stdio: 'ignore',
    env: { ...process.env, AQUIFER_LOG_LEVEL: 'warn' },
  });
const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
async function until<T>(look: (runs: AssetRun[]) => T | undefined): Promise<T> {
  for (;;) {
    const store = SqliteRunStore.open(project);
    const found = look(await store.list({ limit: 10_000 }));
    await store.close();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const rows = async (table: string) => {
  const engine = await sharedEngine();
  const scan = await (await DeltaTable.open(path.join(project, 'tables', table), { engine })).scan();
  return engine.queryJson(`SELECT id, day::VARCHAR AS day, amount FROM (${await scan.sql()}) ORDER BY id`);
};

describe('a backfill killed mid-way', () => {
  it('runs every partition exactly once in all when run again, and gives the same rows as one whole run', async () => {
    const range = ['by_day', '--from', '2024-05-01', '--to', '2024-05-10', '--concurrency', '2'];
    const child = start('run', ...range);
    // Killed once a few partitions are done and one is in flight.
    await until((runs) => {
      const mine = runs.filter((r) => r.asset === 'by_day');
      return mine.filter((r) => r.status === 'success').length >= 3 && mine.some((r) => r.status === 'running') ? true : undefined;
    });
    child.kill('SIGKILL');
    await exited(child);

    const summary = await json<BackfillSummary>('run', ...range);
    expect(summary.total).toBe(10);
    expect(summary.fresh).toBeGreaterThanOrEqual(3);
    expect(summary.fresh + summary.succeeded).toBe(10);

    const runs = await until((list) => list);
    const mine = runs.filter((r) => r.asset === 'by_day');
    const successes = new Map<string, number>();
    for (const r of mine.filter((r) => r.status === 'success')) successes.set(r.partition ?? '', (successes.get(r.partition ?? '') ?? 0) + 1);
    expect([...successes.values()]).toEqual(Array.from({ length: 10 }, () => 1));
    expect(mine.filter((r) => r.status === 'running')).toEqual([]);
    expect(mine.filter((r) => r.status === 'aborted').length).toBeGreaterThanOrEqual(1);

    expect((await cli('run', 'whole')).code).toBe(0);
    expect((await rows('by_day')).filter((r) => String(r['day']) <= '2024-05-10')).toEqual(
      (await rows('whole')).filter((r) => String(r['day']) <= '2024-05-10'),
    );
  }, 180_000);
});

describe('a run killed mid-way', () => {
  it('is found aborted by runs recover, and a rerun succeeds over a readable table', async () => {
    const child = start('run', 'slow_whole');
    const running = await until((runs) => runs.find((r) => r.asset === 'slow_whole' && r.status === 'running'));
    child.kill('SIGKILL');
    await exited(child);
    const recovered = await json<{ aborted: AssetRun }[]>('runs', 'recover');
    expect(recovered.map((r) => [r.aborted.id, r.aborted.status])).toEqual([[running.id, 'aborted']]);
    const retried = await json<AssetRun>('runs', 'retry', running.id);
    expect(retried).toMatchObject({ status: 'success', trigger: 'retry', attempt: 2, retryOf: running.id });
    expect(await rows('slow_whole')).toEqual(await rows('whole'));
    const logs = await json<AssetRunLogEntry[]>('runs', 'logs', retried.id);
    expect(logs.map((l) => l.message)).toEqual([
      'attempt 2 started',
      'writing the whole table',
      `committed version ${retried.outputVersion ?? -1}`,
      'succeeded',
    ]);
  }, 180_000);
});

describe('runs cancel, retry and logs', () => {
  it('cancel stops a run in another process, recorded cancelled', async () => {
    const child = start('run', 'endless');
    const running = await until((runs) => runs.find((r) => r.asset === 'endless' && r.status === 'running'));
    expect((await json<{ cancelRequested: boolean }>('runs', 'cancel', running.id)).cancelRequested).toBe(true);
    expect(await exited(child)).toBe(1);
    expect((await json<AssetRun>('runs', 'show', running.id)).status).toBe('cancelled');
    const again = await cli('runs', 'cancel', running.id, '--format', 'json');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('ASSET_RUN_NOT_RUNNING');
  }, 120_000);

  it('cancel from another process stops a run waiting out its retry backoff, its next attempt recorded cancelled, never run', async () => {
    const child = start('run', 'waits_to_retry');
    const failed = await until((runs) => runs.find((r) => r.asset === 'waits_to_retry' && r.status === 'failed'));
    expect((await json<{ cancelRequested: boolean }>('runs', 'cancel', failed.id)).cancelRequested).toBe(true);
    expect(await exited(child)).toBe(1);
    const runs = await json<AssetRun[]>('runs', 'list', '--asset', 'waits_to_retry');
    expect(runs.map((r) => [r.status, r.attempt ?? 1, r.retryOf])).toEqual([
      ['cancelled', 2, failed.id],
      ['failed', 1, undefined],
    ]);
  }, 120_000);

  it('SIGTERM to aquifer run stops its run, recorded cancelled rather than left running', async () => {
    const child = start('run', 'endless');
    const running = await until((runs) => runs.find((r) => r.asset === 'endless' && r.status === 'running'));
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(1);
    expect((await json<AssetRun>('runs', 'show', running.id)).status).toBe('cancelled');
  }, 120_000);

  it('retry runs a failed run again as its next attempt; logs show why it failed', async () => {
    const failed = await cli('run', 'fails');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('ASSET_RUN_FAILED');
    const [first] = await json<AssetRun[]>('runs', 'list', '--asset', 'fails');
    const logs = await json<AssetRunLogEntry[]>('runs', 'logs', first?.id ?? '');
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      ['info', 'started'],
      ['info', 'writing the whole table'],
      ['error', 'failed'],
    ]);
    expect((await cli('runs', 'retry', first?.id ?? '')).code).toBe(1);
    const [retry] = await json<AssetRun[]>('runs', 'list', '--asset', 'fails', '--limit', '1');
    expect(retry).toMatchObject({ trigger: 'retry', attempt: 2, retryOf: first?.id, status: 'failed' });
    expect((await cli('runs', 'logs', 'no-such-run')).code).toBe(1);
  }, 120_000);
});
