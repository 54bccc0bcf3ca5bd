import type { Command } from 'commander';
import { cancelRun, recoverRuns, retryRun, openRunStore, AssetRunNotFoundError, type AssetRun } from '../../orchestrate/index.js';
import { openCommandProject } from '../command-project.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

interface Flags {
  project: string;
  format: InfoFormat;
}

const line = (r: AssetRun) =>
  `${r.asset}${r.partition === undefined ? '' : ` [${r.partition}]`}: ${r.status}${r.attempt === undefined ? '' : ` (attempt ${r.attempt})`} (run ${r.id})`;

/** `aquifer runs logs | retry | cancel | recover`: acting on runs of the history. */
export function registerRunControl(runs: Command): void {
  runs
    .command('logs')
    .description("A run's structured log: its start, attempts, steps and error (at most 1,000 lines).")
    .argument('<id>', 'the run id')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (id: string, flags: Flags) => {
      const project = await openCommandProject(flags.project);
      const store = await openRunStore(project);
      try {
        if ((await store.get(id)) === undefined) throw new AssetRunNotFoundError(id);
        const logs = await store.logs(id);
        if (flags.format === 'json') return printJson(logs);
        printText(logs.map((l) => `${l.at} ${l.level.padEnd(5)} ${l.message}${l.data === undefined ? '' : ` ${JSON.stringify(l.data)}`}`).join('\n'));
      } finally {
        await store.close();
      }
    });

  runs
    .command('retry')
    .description("Run a run's asset and partition again, as the next attempt of its series (trigger retry). Exits 1 when it fails.")
    .argument('<id>', 'the run id')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (id: string, flags: Flags) => {
      const run = await retryRun(await openCommandProject(flags.project), id);
      if (flags.format === 'json') return printJson(run);
      printText(line(run));
    });

  runs
    .command('cancel')
    .description('Ask a running run to stop: the process running it interrupts it within a heartbeat and records it cancelled.')
    .argument('<id>', 'the run id')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (id: string, flags: Flags) => {
      const run = await cancelRun(await openCommandProject(flags.project), id);
      if (flags.format === 'json')
        return printJson({ id: run.id, asset: run.asset, ...(run.partition === undefined ? {} : { partition: run.partition }), cancelRequested: true });
      printText(`Asked run ${run.id} of ${run.asset} to stop.`);
    });

  runs
    .command('recover')
    .description('Find runs left running by a process that died: mark them aborted, and retry those whose retry policy has attempts left.')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: Flags) => {
      const recovered = await recoverRuns(await openCommandProject(flags.project));
      // A retry that failed is a failure of the command, as `aquifer run` exits 1 for a failed run.
      if (recovered.some((r) => r.retryError !== undefined)) process.exitCode = 1;
      if (flags.format === 'json') return printJson(recovered);
      printText(
        recovered.length === 0
          ? 'No runs to recover.'
          : recovered
              .map(
                (r) =>
                  `${line(r.aborted)}${r.retry === undefined ? '' : ` → retried: ${line(r.retry)}`}${r.retryError === undefined ? '' : ` → retry failed: ${r.retryError.message}`}`,
              )
              .join('\n'),
      );
    });
}
