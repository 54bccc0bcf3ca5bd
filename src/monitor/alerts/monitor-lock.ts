import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MonitorBusyError } from '../errors.js';

/** A lock older than this was left by a run that died: it is taken over. */
export const STALE_LOCK_MS = 10 * 60_000;

/**
 * Hold `<state>.lock` (created exclusively) while `work` runs: two runs of one monitor, in
 * one process or two, never judge it or change its alert state at once, so they cannot
 * both fire. The lock is taken over only when it is older than STALE_LOCK_MS.
 */
export async function withMonitorLock<T>(name: string, lock: string, now: number, work: () => Promise<T>): Promise<T> {
  await acquire(name, lock, now);
  try {
    return await work();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

async function acquire(name: string, lock: string, now: number): Promise<void> {
  await fs.mkdir(path.dirname(lock), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lock, JSON.stringify({ pid: process.pid, at: new Date(now).toISOString() }), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    const stat = await fs.stat(lock).catch(() => undefined);
    // Staleness by the file's own time on this disk, so an injected clock in tests cannot steal a live lock.
    if (stat !== undefined && Date.now() - stat.mtimeMs < STALE_LOCK_MS) break;
    await fs.rm(lock, { force: true });
  }
  throw new MonitorBusyError(name, lock);
}
