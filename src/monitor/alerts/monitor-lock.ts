import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MonitorBusyError } from '../errors.js';

/** A lock not touched for this long was left by a run that died: it is taken over. */
export const STALE_LOCK_MS = 10 * 60_000;
/** How often a run touches the lock it holds, so a long check (a large drift report) never looks dead. */
const HEARTBEAT_MS = 60_000;

/**
 * Hold `<state>.lock` (created exclusively, holding a nonce of this hold) while `work` runs:
 * two runs of one monitor, in one process or two, never judge it or change its alert state at
 * once, so they cannot both fire. A lock is taken over only when it has not been touched for
 * STALE_LOCK_MS, by one contender only; on release a lock is removed only while it is still
 * this hold's.
 */
export async function withMonitorLock<T>(name: string, lock: string, work: () => Promise<T>): Promise<T> {
  const nonce = await acquire(name, lock);
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lock, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await release(lock, nonce);
  }
}

/** Take the lock, or throw MonitorBusyError; returns the nonce written in it. */
async function acquire(name: string, lock: string): Promise<string> {
  await fs.mkdir(path.dirname(lock), { recursive: true });
  const nonce = randomUUID();
  const body = JSON.stringify({ pid: process.pid, at: new Date().toISOString(), nonce });
  if (await create(lock, body)) return nonce;
  const held = await readLock(lock);
  // Released between the two looks: one more try, and whoever creates it first has it.
  if (held === undefined) {
    if (await create(lock, body)) return nonce;
    throw new MonitorBusyError(name, lock);
  }
  // Staleness by the system clock and the file's own time, never a run's injected clock.
  if (Date.now() - held.mtimeMs < STALE_LOCK_MS) throw new MonitorBusyError(name, lock);
  if ((await takeOver(lock, held.content, nonce)) && (await create(lock, body))) return nonce;
  throw new MonitorBusyError(name, lock);
}

/**
 * Move the stale lock aside under a name of our own. Of several contenders that judged it
 * stale, only one rename finds it (the others find nothing, or a lock the winner has made
 * since: told apart by its content, and put back untouched); then the winner creates its own
 * exclusively, as if none had been there.
 */
async function takeOver(lock: string, staleContent: string, nonce: string): Promise<boolean> {
  const aside = `${lock}.${nonce}.stale`;
  try {
    await fs.rename(lock, aside);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleContent) {
    // Another contender's fresh lock: back where it was (link fails rather than overwrite one made meanwhile).
    await fs.link(aside, lock).catch(() => undefined);
    await fs.rm(aside, { force: true });
    return false;
  }
  await fs.rm(aside, { force: true });
  return true;
}

/** Remove the lock only if it still holds this hold's nonce: one taken over meanwhile is its new holder's. */
async function release(lock: string, nonce: string): Promise<void> {
  const held = await fs.readFile(lock, 'utf8').catch(() => undefined);
  if (held === undefined || lockNonce(held) !== nonce) return;
  await fs.rm(lock, { force: true });
}

async function create(lock: string, body: string): Promise<boolean> {
  try {
    await fs.writeFile(lock, body, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  }
}

/** The lock's content and time, read through one handle so both are of the same file; undefined when there is none. */
async function readLock(lock: string): Promise<{ content: string; mtimeMs: number } | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lock, 'r');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { mtimeMs } = await handle.stat();
    return { content: await handle.readFile('utf8'), mtimeMs };
  } finally {
    await handle.close();
  }
}

function lockNonce(content: string): string | undefined {
  try {
    const nonce = (JSON.parse(content) as { nonce?: unknown }).nonce;
    return typeof nonce === 'string' ? nonce : undefined;
  } catch {
    return undefined;
  }
}
