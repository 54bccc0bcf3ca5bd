import { promises as fs } from 'node:fs';
import path from 'node:path';
import { log } from '../../log.js';
import type { Project } from '../../project/index.js';
import { writeFileDurably } from '../../storage/index.js';
import type { ColumnValue } from '../checks/check.js';

/** What a webhook receives (and the log line says) when an alert fires or resolves. */
export interface AlertNotification {
  monitor: string;
  kind: string;
  table: string;
  status: 'firing' | 'resolved';
  value: number | null;
  threshold: unknown;
  /** When the alert fired (ISO 8601). */
  startsAt: string;
  /** When it resolved, on a resolution. */
  endsAt?: string;
  details: Record<string, unknown>;
}

/** A notification not yet accepted by the webhook: tried again on a run at or after `nextAttemptAt`. */
export interface PendingNotification {
  notification: AlertNotification;
  /** Attempts made so far (one per run that tried it). */
  attempts: number;
  /** When it may be tried again (ISO 8601, by the runs' clock); absent until a first attempt failed. */
  nextAttemptAt?: string;
  lastError?: string;
}

/** A notification given up: the webhook refused it (a 4xx other than 408/429) or it failed `maxAttempts` times. */
export interface DeadLetter {
  notification: AlertNotification;
  attempts: number;
  /** The last attempt's failure (`HTTP 400`, `network error (ECONNREFUSED)`): never a URL path or a header. */
  reason: string;
  /** When it was given up (ISO 8601, by the run's clock). */
  at: string;
}

/** One monitor's alert state and memory, kept in `.aquifer/monitors/<name>.json` across runs and processes. */
export interface MonitorState {
  alert: 'ok' | 'firing';
  /** When the current firing began. */
  firingSince: string | null;
  /** Breaching runs in a row (errors neither add nor reset). */
  consecutiveBreaches: number;
  lastRun: { at: string; status: 'ok' | 'breach' | 'error'; value: number | null; columns?: ColumnValue[] } | null;
  /** What the checks keep between runs (the schema monitor's last schema). */
  memory: Record<string, unknown>;
  pending: PendingNotification[];
  /** Notifications given up, oldest first: kept for `aquifer monitor status`, never sent again. */
  deadLetters: DeadLetter[];
}

/** The most undelivered notifications kept per monitor; past it the oldest are dropped (and logged). */
export const MAX_PENDING = 100;
/** The most dead letters kept per monitor; past it the oldest are dropped. */
export const MAX_DEAD_LETTERS = 100;

export const EMPTY_STATE: MonitorState = { alert: 'ok', firingSince: null, consecutiveBreaches: 0, lastRun: null, memory: {}, pending: [], deadLetters: [] };

export function stateDir(project: Project): string {
  return path.join(project.root, '.aquifer', 'monitors');
}

export function statePath(project: Project, monitor: string): string {
  return path.join(stateDir(project), `${monitor}.json`);
}

/** The monitor's state; a monitor never run (or whose file is unreadable JSON) starts from none. */
export async function readState(project: Project, monitor: string): Promise<MonitorState> {
  let text: string;
  try {
    text = await fs.readFile(statePath(project, monitor), 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return structuredClone(EMPTY_STATE);
    throw error;
  }
  try {
    return { ...structuredClone(EMPTY_STATE), ...(JSON.parse(text) as Partial<MonitorState>) };
  } catch {
    // Written atomically and flushed, so only a hand edit breaks it: start over rather than stop
    // monitoring, but keep the broken file aside and say so (its alert may fire again).
    const kept = `${statePath(project, monitor)}.corrupt`;
    await fs.copyFile(statePath(project, monitor), kept).catch(() => undefined);
    log.error({ monitor }, `monitor ${monitor}: its state file is not JSON; started over (the file is kept as ${path.basename(kept)})`);
    return structuredClone(EMPTY_STATE);
  }
}

/**
 * Replace the state atomically: a temp file, flushed, renamed over it, and the folder flushed,
 * so a crash (of the process or the machine) leaves the old state or the new, never half.
 */
export async function writeState(project: Project, monitor: string, state: MonitorState): Promise<void> {
  await writeFileDurably(statePath(project, monitor), `${JSON.stringify(state, null, 2)}\n`);
}

/** The alert transition a run's status makes, if any, and the state after it. */
export function nextAlertState(
  state: MonitorState,
  status: 'ok' | 'breach' | 'error',
  forRuns: number,
  now: string,
): { state: MonitorState; transition: 'firing' | 'resolved' | null } {
  if (status === 'error') return { state, transition: null };
  if (status === 'breach') {
    const consecutiveBreaches = state.consecutiveBreaches + 1;
    if (state.alert === 'ok' && consecutiveBreaches >= forRuns)
      return { state: { ...state, consecutiveBreaches, alert: 'firing', firingSince: now }, transition: 'firing' };
    return { state: { ...state, consecutiveBreaches }, transition: null };
  }
  if (state.alert === 'firing') return { state: { ...state, consecutiveBreaches: 0, alert: 'ok', firingSince: null }, transition: 'resolved' };
  return { state: { ...state, consecutiveBreaches: 0 }, transition: null };
}
