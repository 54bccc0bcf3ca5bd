import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MonitorBusyError } from '../errors.js';

/** A lock not touched for this long was left by a run that died: it is taken over. */
export const STALE_LOCK_MS = 10 * 60_000;
/** How often a run touches the lock it holds, so a long check (a large drift report) never looks dead. */
const HEARTBEAT_MS = 60_000;

/**
 * Hold `<state>.lock` (created exclusively) while `work` runs: two runs of one monitor, in
 * one process or two, never judge it or change its alert state at once, so they cannot
 * both fire. A lock is taken over only when it has not been touched for STALE_LOCK_MS.
 */
export async function withMonitorLock<T>(name: string, lock: string, work: () => Promise<T>): Promise<T> {
  await acquire(name, lock);
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lock, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await fs.rm(lock, { force: true });
  }
}

async function acquire(name: string, lock: string): Promise<void> {
  await fs.mkdir(path.dirname(lock), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(lock, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    const stat = await fs.stat(lock).catch(() => undefined);
    // Staleness by the system clock and the file's own time, never a run's injected clock.
    if (stat !== undefined && Date.now() - stat.mtimeMs < STALE_LOCK_MS) break;
    await fs.rm(lock, { force: true });
  }
  throw new MonitorBusyError(name, lock);
}
