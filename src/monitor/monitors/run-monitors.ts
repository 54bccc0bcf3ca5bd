import { randomUUID } from 'node:crypto';
import { sharedEngine, type Engine } from '../../engine/index.js';
import { isAquiferError } from '../../errors.js';
import type { TrainingTrackingStarter } from '../../models/index.js';
import { log } from '../../log.js';
import type { Project } from '../../project/index.js';
import { DeltaTable } from '../../table/index.js';
import { MAX_PENDING, nextAlertState, readState, statePath, writeState, type AlertNotification, type MonitorState } from '../alerts/alert-state.js';
import { withMonitorLock } from '../alerts/monitor-lock.js';
import { deliverPending, deliveryDue } from '../alerts/delivery.js';
import type { WebhookOptions } from '../alerts/webhook.js';
import type { CheckOutcome } from '../checks/check.js';
import { MonitorBusyError } from '../errors.js';
import type { MonitorDefinition } from './definition.js';
import { durationMs } from './duration.js';
import { readMonitors } from './monitor-store.js';
import { openMonitorResults } from './results-table.js';
import { runActions, type ActionOutcome } from './run-actions.js';
import { runCheck } from './run-check.js';

export type MonitorStatus = 'ok' | 'breach' | 'error';

/** One monitor run: its verdict, the alert transition it made, and whether the webhook took it. */
export interface MonitorResult {
  runId: string;
  monitor: string;
  kind: MonitorDefinition['kind'];
  table: string;
  tableVersion: number | null;
  startedAt: string;
  finishedAt: string;
  status: MonitorStatus;
  value: number | null;
  threshold: CheckOutcome['threshold'];
  details: Record<string, unknown>;
  /** The transition this run made. */
  alert: 'firing' | 'resolved' | null;
  /** The alert state after the run. */
  alertState: 'ok' | 'firing';
  /** Notifications still waiting for the webhook after this run (this run's included). */
  undelivered: number;
  error?: { code: string; message: string };
}

export interface RunMonitorsOptions {
  /** Only these monitors (each must exist); all of the project's by default. */
  names?: readonly string[];
  /** Only monitors whose `every` has passed since their last run (or that never ran). */
  due?: boolean;
  /** The run's clock, epoch milliseconds or a Date (tests freeze it); the system clock by default. */
  now?: number | Date;
  engine?: Engine;
  webhook?: WebhookOptions;
  /** Cancels the actions in progress (a retraining's command is stopped): a server shutting down. */
  signal?: AbortSignal;
  /**
   * Starts an MLflow-compatible tracking server for a `retrain` action's training command (it gets
   * MLFLOW_TRACKING_URI and continues the run), as `aquifer models retrain` does; `aquifer monitor
   * run` and `aquifer serve` pass the server's `startTrainingTracking`. Without it, no tracking.
   */
  tracking?: TrainingTrackingStarter;
}

export interface MonitorsRun {
  results: MonitorResult[];
  /** Monitors left alone because they were not due. */
  notDue: string[];
  /** Monitors left alone because another run (another process, say) was running them: that run judges and alerts. */
  busy: string[];
}

/**
 * Run the project's monitors one after another: each checked, its result appended to
 * `_monitor_results`, its alert state moved (fired once on a breach, resolved once on the
 * next ok) and told to the log and the webhook. A monitor that fails is an `error` result;
 * the others still run.
 */
export async function runMonitors(project: Project, options: RunMonitorsOptions = {}): Promise<MonitorsRun> {
  const monitors = await readMonitors(project, options.names);
  const engine = options.engine ?? (await sharedEngine());
  const now = options.now === undefined ? Date.now() : Number(options.now);
  const run: MonitorsRun = { results: [], notDue: [], busy: [] };
  for (const monitor of monitors) {
    let result: MonitorResult | undefined;
    try {
      result = await withMonitorLock(monitor.name, `${statePath(project, monitor.name)}.lock`, () => runOne(project, monitor, engine, now, options));
    } catch (error) {
      if (error instanceof MonitorBusyError) {
        run.busy.push(monitor.name);
        continue;
      }
      result = errorResult(monitor, now, error, await readState(project, monitor.name).catch(() => undefined));
      // Every run has its row, this one too (best effort: an unwritable project may refuse it as well).
      await record(project, engine, result, null);
    }
    if (result === undefined) run.notDue.push(monitor.name);
    else run.results.push(result);
  }
  return run;
}

/** What `aquifer serve` (or any scheduler) calls on its tick: the monitors that are due. */
export function runDueMonitors(project: Project, options: Omit<RunMonitorsOptions, 'due' | 'names'> = {}): Promise<MonitorsRun> {
  return runMonitors(project, { ...options, due: true });
}

/** Whether the monitor's `every` has passed since its last run. */
export function isDue(monitor: MonitorDefinition, state: MonitorState, now: number): boolean {
  if (state.lastRun === null) return true;
  return now - Date.parse(state.lastRun.at) >= (durationMs(monitor.every) as number);
}

async function runOne(
  project: Project,
  monitor: MonitorDefinition,
  engine: Engine,
  now: number,
  options: RunMonitorsOptions,
): Promise<MonitorResult | undefined> {
  // Read under the lock: a run that waited for another sees the state that run left.
  const state = await readState(project, monitor.name);
  if (options.due === true && !isDue(monitor, state, now)) {
    // Not judged yet, but what waits for the webhook is not held back until it is (once its backoff has passed).
    const webhook = monitor.alerts?.webhook;
    if (webhook !== undefined && deliveryDue(state, now)) {
      await deliverPending(monitor.name, webhook, state, now, options.webhook);
      await writeState(project, monitor.name, state);
    }
    return undefined;
  }
  const started = Date.now();
  const startedAt = new Date(now).toISOString();
  const table = await DeltaTable.open(project.tableLocation(monitor.table, { internal: true }), { engine, stores: project.stores });
  let outcome: CheckOutcome | undefined;
  let error: { code: string; message: string } | undefined;
  try {
    outcome = await runCheck(monitor, { project, engine, table, now, memory: state.memory });
  } catch (caught) {
    error = describe(caught);
  } finally {
    table.close();
  }
  const status: MonitorStatus = outcome?.status ?? 'error';
  const value = outcome?.value ?? null;
  const { state: next, transition } = nextAlertState(state, status, monitor.for ?? 1, startedAt);
  next.lastRun = { at: startedAt, status, value, ...(outcome?.columns === undefined ? {} : { columns: outcome.columns }) };
  if (outcome?.memory !== undefined) next.memory = outcome.memory;
  const webhook = monitor.alerts?.webhook;
  if (webhook === undefined) next.pending = [];
  let notification: AlertNotification | undefined;
  if (transition !== null && outcome !== undefined) {
    notification = {
      monitor: monitor.name,
      kind: monitor.kind,
      table: monitor.table,
      status: transition,
      value,
      threshold: outcome.threshold,
      startsAt: transition === 'firing' ? startedAt : (state.firingSince ?? startedAt),
      ...(transition === 'resolved' ? { endsAt: startedAt } : {}),
      details: outcome.details,
    };
    if (monitor.alerts?.log !== false) log.warn({ alert: { ...notification, details: undefined } }, `monitor ${monitor.name} ${transition}`);
    if (webhook !== undefined) next.pending = keepBounded([...next.pending, { notification, attempts: 0 }], monitor.name);
  }
  // Kept before any delivery: a crash while sending leaves the alert pending, not lost and not fired again.
  await writeState(project, monitor.name, next);
  let delivered: AlertNotification[] = [];
  if (webhook !== undefined && deliveryDue(next, now)) {
    delivered = await deliverPending(monitor.name, webhook, next, now, options.webhook);
    await writeState(project, monitor.name, next);
  }
  // Once per firing, after the state says so: a crash while retraining does not retrain again
  // on the next run (the monitor is already firing), it is left for the next firing.
  const actions: ActionOutcome[] =
    transition === 'firing' && monitor.actions !== undefined && monitor.actions.length > 0
      ? await runActions(project, engine, monitor, { signal: options.signal, tracking: options.tracking })
      : [];
  const result: MonitorResult = {
    runId: randomUUID(),
    monitor: monitor.name,
    kind: monitor.kind,
    table: monitor.table,
    tableVersion: outcome?.tableVersion ?? null,
    startedAt,
    finishedAt: new Date(now + (Date.now() - started)).toISOString(),
    status,
    value,
    threshold: outcome?.threshold ?? null,
    details: actions.length === 0 ? (outcome?.details ?? {}) : { ...outcome?.details, actions },
    alert: transition,
    alertState: next.alert,
    undelivered: next.pending.length,
    ...(error === undefined ? {} : { error }),
  };
  const sent = notification;
  await record(project, engine, result, webhook === undefined || sent === undefined ? null : delivered.includes(sent));
  return result;
}

function keepBounded(pending: MonitorState['pending'], monitor: string): MonitorState['pending'] {
  if (pending.length <= MAX_PENDING) return pending;
  log.error({ monitor, dropped: pending.length - MAX_PENDING }, `monitor ${monitor}: too many undelivered alerts, the oldest dropped`);
  return pending.slice(pending.length - MAX_PENDING);
}

/** Append the run's row to `_monitor_results`; a failed append is logged, not thrown (the alert state already moved). */
async function record(project: Project, engine: Engine, result: MonitorResult, delivered: boolean | null): Promise<void> {
  try {
    const results = await openMonitorResults(project, engine);
    await results.append({
      rows: [
        {
          run_id: result.runId,
          monitor: result.monitor,
          kind: result.kind,
          table_name: result.table,
          table_version: result.tableVersion,
          started_at: result.startedAt,
          finished_at: result.finishedAt,
          status: result.status,
          value: result.value === null || !Number.isFinite(result.value) ? null : result.value,
          threshold: result.threshold === null ? null : JSON.stringify(result.threshold),
          details: JSON.stringify(result.details),
          alert: result.alert,
          alert_delivered: delivered,
          error_code: result.error?.code ?? null,
          error_message: result.error?.message ?? null,
        },
      ],
    });
    results.close();
  } catch (error) {
    log.error({ monitor: result.monitor, code: describe(error).code }, `monitor ${result.monitor}: its result could not be kept in _monitor_results`);
  }
}

/** A monitor that could not even start (its state folder unwritable, say). */
function errorResult(monitor: MonitorDefinition, now: number, error: unknown, state: MonitorState | undefined): MonitorResult {
  const at = new Date(now).toISOString();
  return {
    runId: randomUUID(),
    monitor: monitor.name,
    kind: monitor.kind,
    table: monitor.table,
    tableVersion: null,
    startedAt: at,
    finishedAt: at,
    status: 'error',
    value: null,
    threshold: null,
    details: {},
    alert: null,
    alertState: state?.alert ?? 'ok',
    undelivered: state?.pending.length ?? 0,
    error: describe(error),
  };
}

function describe(error: unknown): { code: string; message: string } {
  if (isAquiferError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
