import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AssetExportInvalidError, exportAirflow } from '../../orchestrate/index.js';
import { openCommandProject } from '../command-project.js';
import { choice } from '../options.js';
import { printJson, printText } from '../output/print.js';

/**
 * The command that started this process, as words: node and the CLI's script when run as
 * `node dist/cli/main.js` or through the `aquifer` bin link (resolved, so the DAG works from any folder).
 */
function thisAquifer(): string[] {
  const script = process.argv[1];
  return script === undefined ? ['aquifer'] : [process.execPath, path.resolve(script)];
}

/** `aquifer export airflow`: the assets as an Airflow DAG file. */
export function registerExport(program: Command): void {
  const group = program.command('export').description("Export the project's assets to another orchestrator.");

  group
    .command('airflow')
    .description(
      "Write an Airflow DAG file: one task per asset running `aquifer run --trigger airflow` (a daily-partitioned asset for the logical date), the asset graph as edges, the assets' cron as the schedule (one DAG per schedule when they differ).",
    )
    .requiredOption('-o, --output <file>', "the DAG file to write (in Airflow's dags folder)")
    .option('--dag-id <id>', "the DAG's id (the prefix of each DAG's id when the assets have several schedules); default aquifer_<project folder>")
    .option('--aquifer <path>', 'the aquifer executable on the Airflow workers (default: the node and CLI script running this export)')
    .option('--project-path <dir>', "the project's folder as the Airflow workers see it (default: its absolute path here)")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json (what was written)', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { output: string; dagId?: string; aquifer?: string; projectPath?: string; project: string; format: 'text' | 'json' }) => {
      const exported = await exportAirflow(await openCommandProject(flags.project), {
        aquiferCommand: flags.aquifer === undefined ? thisAquifer() : [flags.aquifer],
        ...(flags.dagId === undefined ? {} : { dagId: flags.dagId }),
        ...(flags.projectPath === undefined ? {} : { projectPath: flags.projectPath }),
      });
      await writeFile(flags.output, exported.text).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new AssetExportInvalidError(
          `The DAG file ${flags.output} cannot be written: ${reason}`,
          flags.output,
          'Give -o a file in a folder that exists and can be written.',
        );
      });
      if (flags.format === 'json') return printJson({ file: path.resolve(flags.output), dags: exported.dags });
      printText(
        exported.dags
          .map(
            (d) =>
              `${d.dagId}: ${d.tasks.length} task${d.tasks.length === 1 ? '' : 's'}, schedule ${d.schedule === undefined ? 'none (triggered only)' : `${d.schedule} (${d.timezone})`}`,
          )
          .concat(`Wrote ${flags.output}`)
          .join('\n'),
      );
    });
}
