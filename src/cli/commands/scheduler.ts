import type { Command } from 'commander';
import { Scheduler, SCHEDULER_CONCURRENCY, SCHEDULER_GRACE_MS, SCHEDULER_TICK_MS, type LaunchOutcome, type SchedulerLaunch } from '../../orchestrate/index.js';
import { ExitCode } from '../exit-codes.js';
import { openCommandProject } from '../command-project.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { printJson, printText } from '../output/print.js';
import { runUntilStopped } from '../until-stopped.js';

interface Flags {
  project: string;
  once?: boolean;
  format: 'text' | 'json';
  concurrency: number;
  tickSeconds: number;
  graceSeconds: number;
}

/** A launch and how it ended, as printed: plain JSON, no promise. */
interface Launched extends Omit<SchedulerLaunch, 'outcome'>, LaunchOutcome {}

/** `aquifer scheduler`: run scheduled and sensed assets until stopped, or evaluate one tick (`--once`). */
export function registerScheduler(program: Command): void {
  program
    .command('scheduler')
    .description(
      'Run the assets whose cron schedule falls due and those whose upstream tables got new commits (sensor.onUpstreamCommit), until SIGINT/SIGTERM (runs going get --grace-seconds, then are cancelled); first, runs a killed scheduler left running are marked aborted and retried per their policy. --once evaluates one tick, waits for what it launched and prints it (exit 1 when a run failed).',
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--once', 'evaluate one tick, wait for its runs, print them and exit')
    .option('--concurrency <n>', 'most runs at once', parseNonNegativeInt, SCHEDULER_CONCURRENCY)
    .option('--tick-seconds <n>', 'seconds between looks', parseNonNegativeInt, SCHEDULER_TICK_MS / 1000)
    .option(
      '--grace-seconds <n>',
      'on SIGINT/SIGTERM, how long runs going may finish before they are cancelled',
      parseNonNegativeInt,
      SCHEDULER_GRACE_MS / 1000,
    )
    .option('--format <format>', 'text or json (one JSON object a line while running)', choice(['text', 'json'] as const), 'text')
    .action(async (flags: Flags) => {
      const project = await openCommandProject(flags.project);
      const print = (launched: Launched) =>
        flags.format === 'json' ? process.stdout.write(`${JSON.stringify(launched)}\n`) : process.stdout.write(`${describe(launched)}\n`);
      const settle = async ({ outcome, ...launch }: SchedulerLaunch): Promise<Launched> => ({ ...launch, ...(await outcome) });
      const options = { concurrency: Math.max(1, flags.concurrency), tickMs: Math.max(1, flags.tickSeconds) * 1000, graceMs: flags.graceSeconds * 1000 };
      if (flags.once === true) {
        const scheduler = new Scheduler(project, options);
        try {
          // Runs a killed scheduler left running are found first (logged on stderr), as the loop does when it starts.
          await scheduler.recover();
          const launched = await Promise.all((await scheduler.tick()).map(settle));
          if (flags.format === 'json') printJson(launched);
          else printText(launched.length === 0 ? 'Nothing due.' : launched.map(describe).join('\n'));
          if (launched.some((l) => l.status === 'failed')) process.exitCode = ExitCode.FAILED;
        } finally {
          await scheduler.stop();
        }
        return;
      }
      const scheduler = new Scheduler(project, { ...options, onLaunch: (launch) => void settle(launch).then(print) });
      scheduler.start();
      process.stderr.write(`scheduling ${project.root} (a look every ${options.tickMs / 1000} s); SIGINT or SIGTERM stops\n`);
      await runUntilStopped({ error: undefined, stop: () => scheduler.stop() });
    });
}

function describe(l: Launched): string {
  const why = 'tick' in l.reason ? `tick ${l.reason.tick}` : `new commits to ${l.reason.moved.join(', ')}`;
  const end = l.status === 'failed' ? `failed: ${l.error?.code ?? ''} ${l.error?.message.split('\n')[0] ?? ''}`.trim() : l.status;
  return `${l.asset}${l.partition === undefined ? '' : ` [${l.partition}]`} (${l.trigger}, ${why}): ${end}${l.runId === undefined ? '' : ` (run ${l.runId})`}`;
}
