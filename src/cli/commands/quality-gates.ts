import type { Command } from 'commander';
import { readSuite, setGate } from '../../quality/index.js';
import { openCommandProject } from '../command-project.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';

interface GateFlags {
  project: string;
  format: InfoFormat;
}

/**
 * `quality attach TABLE --suite S` and `quality detach TABLE`: the suite every write to a
 * table passes through (`quality.gates` in aquifer.json), registered into the `quality` group.
 */
export function registerQualityGates(group: Command): void {
  group
    .command('attach')
    .description(
      "Attach a suite to a table as its gate: on every write (file, HTTP, Kafka, Kinesis ingest; table append), records failing a per-row expectation go to <table>__quarantine, and failed table-level expectations block the write or warn, by the suite's action (default block).",
    )
    .argument('<table>', "the project's table name")
    .requiredOption('--suite <name>', 'the suite (quality/<name>.json)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (table: string, flags: GateFlags & { suite: string }) => {
      const project = await openCommandProject(flags.project);
      const gates = await setGate(project, table, flags.suite);
      const action = (await readSuite(project, flags.suite)).action ?? 'block';
      if (flags.format === 'json') printJson({ table, suite: flags.suite, action, gates });
      else printText(`Every write to ${table} now passes through the suite ${flags.suite} (action ${action}).`);
    });

  group
    .command('detach')
    .description("Remove a table's gate: writes to it are no longer checked against a suite.")
    .argument('<table>', "the project's table name")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (table: string, flags: GateFlags) => {
      const project = await openCommandProject(flags.project);
      const had = project.config.quality?.gates?.[table];
      const gates = await setGate(project, table, undefined);
      if (flags.format === 'json') printJson({ table, detached: had ?? null, gates });
      else printText(had === undefined ? `${table} had no gate.` : `Detached the suite ${had} from ${table}.`);
    });
}
