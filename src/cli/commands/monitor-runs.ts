import Table from 'cli-table3';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { monitorStatus, readMonitors, runMonitors, type MonitorResult, type MonitorsRun } from '../../monitor/index.js';
import { startTrainingTracking } from '../../server/index.js';
import { openCommandProject } from '../command-project.js';
import { ExitCode } from '../exit-codes.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

interface Flags {
  project: string;
  format: InfoFormat;
}

/** `aquifer monitor run | list | status`: the project's monitors (monitors/*.json). */
export function registerMonitorRuns(monitor: Command): void {
  monitor
    .command('run')
    .description(
      "Run the project's monitors (monitors/*.json), or those named: each result appended to the _monitor_results table, each alert fired once on a breach and resolved once on the next ok (webhook and log). Exits 1 when a monitor breaches, 3 when none breaches but one could not run.",
    )
    .argument('[names...]', 'monitors to run (default: all)')
    .option('--due', "only monitors whose 'every' has passed since their last run")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (names: string[], flags: Flags & { due?: boolean }) => {
      const project = await openCommandProject(flags.project);
      // A retraining a firing monitor sets going logs to a tracking server, as `aquifer models retrain` does.
      const run = await runMonitors(project, { names, due: flags.due === true, engine: await sharedEngine(), tracking: startTrainingTracking });
      if (flags.format === 'json') printJson(run);
      else printText(renderRun(run));
      process.exitCode = exitCode(run.results);
    });

  monitor
    .command('list')
    .description("The project's monitors: kind, table, how often, where they alert.")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: Flags) => {
      const monitors = await readMonitors(await openCommandProject(flags.project));
      if (flags.format === 'json') return printJson(monitors);
      const table = grid(['monitor', 'kind', 'table', 'every', 'alerts']);
      for (const m of monitors) {
        const alerts = [
          m.alerts?.webhook === undefined ? undefined : `webhook ${new URL(m.alerts.webhook.url).origin}`,
          m.alerts?.log === false ? undefined : 'log',
        ];
        table.push([m.name, m.kind, m.table, m.every, alerts.filter((a) => a !== undefined).join(', ')]);
      }
      printText(monitors.length === 0 ? 'No monitors (monitors/*.json).' : table.toString());
    });

  monitor
    .command('status')
    .description(
      "Each monitor's latest run and alert state (ok or firing), whether it is due, alerts its webhook has not accepted yet, and alerts given up (dead letters).",
    )
    .argument('[names...]', 'monitors to show (default: all)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (names: string[], flags: Flags) => {
      const entries = await monitorStatus(await openCommandProject(flags.project), { names });
      if (flags.format === 'json') return printJson(entries);
      const table = grid(['monitor', 'alert', 'last run', 'status', 'value', 'due', 'undelivered', 'dead letters']);
      for (const e of entries)
        table.push([
          e.monitor,
          e.alert,
          e.lastRun?.at ?? 'never',
          e.lastRun?.status ?? '',
          number(e.lastRun?.value ?? null),
          e.due ? 'yes' : 'no',
          e.nextAttemptAt === null ? String(e.undelivered) : `${e.undelivered} (next ${e.nextAttemptAt})`,
          String(e.deadLetters.length),
        ]);
      const letters = entries.flatMap((e) =>
        e.deadLetters.map(
          (d) =>
            `${e.monitor}: ${d.notification.status} alert of ${d.notification.startsAt} given up at ${d.at} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'} (${d.reason})`,
        ),
      );
      printText(entries.length === 0 ? 'No monitors (monitors/*.json).' : [table.toString(), ...letters].join('\n'));
    });
}

/** 1 when a monitor breached (what a scheduler alerts on), else 3 when one could not run, else 0. */
function exitCode(results: readonly MonitorResult[]): number {
  if (results.some((r) => r.status === 'breach')) return ExitCode.FAILED;
  if (results.some((r) => r.status === 'error')) return ExitCode.INCOMPLETE;
  return ExitCode.OK;
}

function renderRun(run: MonitorsRun): string {
  const table = grid(['monitor', 'kind', 'table', 'status', 'value', 'threshold', 'alert']);
  for (const r of run.results)
    table.push([
      r.monitor,
      r.kind,
      r.table,
      r.status === 'error' ? `error ${r.error?.code ?? ''}` : r.status,
      number(r.value),
      r.threshold === null ? '' : JSON.stringify(r.threshold),
      alert(r),
    ]);
  const lines = run.results.length === 0 ? ['No monitor ran.'] : [table.toString()];
  for (const r of run.results.filter((x) => x.error !== undefined)) lines.push(`${r.monitor}: ${r.error?.message ?? ''}`);
  if (run.notDue.length > 0) lines.push(`Not due: ${run.notDue.join(', ')}`);
  if (run.busy.length > 0) lines.push(`Being run by another process, left to it: ${run.busy.join(', ')}`);
  return lines.join('\n');
}

function alert(result: MonitorResult): string {
  const state = result.alert === null ? result.alertState : result.alert.toUpperCase();
  return result.undelivered > 0 ? `${state} (${result.undelivered} undelivered)` : state;
}

const grid = (head: string[]): Table.Table => new Table({ head, style: { head: [], border: [] } });

const number = (value: number | null): string => (value === null ? '' : String(Number(value.toPrecision(6))));
