import type { Project } from '../../project/index.js';
import { readState, type DeadLetter, type MonitorState } from '../alerts/alert-state.js';
import type { MonitorDefinition } from './definition.js';
import { readMonitors } from './monitor-store.js';
import { isDue } from './run-monitors.js';

/** One monitor as `aquifer monitor status` shows it: what it watches, its last run and its alert. */
export interface MonitorStatusEntry {
  monitor: string;
  kind: MonitorDefinition['kind'];
  table: string;
  every: string;
  /** Whether `--due` would run it now. */
  due: boolean;
  lastRun: MonitorState['lastRun'];
  alert: MonitorState['alert'];
  firingSince: string | null;
  consecutiveBreaches: number;
  /** Alerts the webhook has not accepted yet (tried again on a later run). */
  undelivered: number;
  /** When the oldest undelivered alert is tried next; null when none waits or it has not been tried yet. */
  nextAttemptAt: string | null;
  /** Alerts given up (refused by the webhook, or past `maxAttempts`), oldest first. */
  deadLetters: DeadLetter[];
}

/** Every monitor's (or the named ones') latest run and alert state, from the state each run keeps. */
export async function monitorStatus(project: Project, options: { names?: readonly string[]; now?: number | Date } = {}): Promise<MonitorStatusEntry[]> {
  const now = options.now === undefined ? Date.now() : Number(options.now);
  const monitors = await readMonitors(project, options.names);
  return Promise.all(
    monitors.map(async (monitor) => {
      const state = await readState(project, monitor.name);
      return {
        monitor: monitor.name,
        kind: monitor.kind,
        table: monitor.table,
        every: monitor.every,
        due: isDue(monitor, state, now),
        lastRun: state.lastRun,
        alert: state.alert,
        firingSince: state.firingSince,
        consecutiveBreaches: state.consecutiveBreaches,
        undelivered: state.pending.length,
        nextAttemptAt: state.pending[0]?.nextAttemptAt ?? null,
        deadLetters: state.deadLetters,
      };
    }),
  );
}
