import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STALE_LOCK_MS, withMonitorLock } from '../../../src/monitor/alerts/monitor-lock.js';
import { MonitorBusyError } from '../../../src/monitor/errors.js';
import { tempDir } from '../../support/temp.js';

/** A lock left by a run that died: its file's time is well past STALE_LOCK_MS. */
async function plantStaleLock(lock: string): Promise<void> {
  await writeFile(lock, JSON.stringify({ pid: 999_999, at: '2026-01-01T00:00:00.000Z', nonce: 'dead-run' }));
  const old = new Date(Date.now() - 6 * STALE_LOCK_MS);
  await utimes(lock, old, old);
}

/**
 * Contenders for one lock at once. Each either is refused (busy) or holds it; a holder stays
 * inside until every contender has had its answer, so two that both took it are both counted.
 */
async function contend(lock: string, contenders: number): Promise<{ held: number; busy: number }> {
  let held = 0;
  let busy = 0;
  let settle: () => void = () => undefined;
  const allAnswered = new Promise<void>((resolve) => (settle = resolve));
  const answered = () => {
    if (held + busy === contenders) settle();
  };
  await Promise.all(
    Array.from({ length: contenders }, () =>
      withMonitorLock('m', lock, async () => {
        held += 1;
        answered();
        await allAnswered;
      }).catch((error: unknown) => {
        if (!(error instanceof MonitorBusyError)) throw error;
        busy += 1;
        answered();
      }),
    ),
  );
  return { held, busy };
}

describe('the monitor lock', () => {
  it('lets exactly one of several contenders take over a stale lock', async () => {
    const dir = await tempDir('aquifer-monitor-lock-');
    for (let round = 0; round < 25; round++) {
      const lock = path.join(dir, `m${round}.json.lock`);
      await plantStaleLock(lock);
      expect(await contend(lock, 4)).toEqual({ held: 1, busy: 3 });
    }
  });

  it('refuses a lock another run holds, and takes a free one', async () => {
    const lock = path.join(await tempDir('aquifer-monitor-lock-'), 'm.json.lock');
    await withMonitorLock('m', lock, async () => {
      await expect(withMonitorLock('m', lock, () => Promise.resolve())).rejects.toBeInstanceOf(MonitorBusyError);
    });
    expect(await withMonitorLock('m', lock, () => Promise.resolve('ran'))).toBe('ran');
  });

  it('on release, leaves a lock that is no longer its own (taken over meanwhile)', async () => {
    const lock = path.join(await tempDir('aquifer-monitor-lock-'), 'm.json.lock');
    const theirs = JSON.stringify({ pid: 1, at: '2026-12-07T00:00:00.000Z', nonce: 'another-run' });
    await withMonitorLock('m', lock, async () => {
      // As if this run had been judged dead and another had taken the lock over.
      await writeFile(lock, theirs);
    });
    expect(await readFile(lock, 'utf8')).toBe(theirs);
  });
});
