import { Command } from 'commander';
import { setLogLevel } from '../log.js';
import { registerConformance } from './commands/conformance.js';
import { registerFeatureCommands } from './commands/features.js';
import { registerIngestFile } from './commands/ingest-file.js';
import { registerIngestKafka } from './commands/ingest-kafka.js';
import { registerIngestKinesis } from './commands/ingest-kinesis.js';
import { registerQuarantine } from './commands/quarantine.js';
import { registerServe } from './commands/serve.js';
import { registerTokens } from './commands/tokens.js';
import { registerTableDescribe } from './commands/table-describe.js';
import { registerTableHistory } from './commands/table-history.js';
import { registerTableRead } from './commands/table-read.js';
import { registerTableWrites } from './commands/table-write.js';
import { registerTableAlter } from './commands/table-alter.js';
import { registerTableDml } from './commands/table-dml.js';
import { registerTableMaintenance } from './commands/table-maintenance.js';
import { registerTableChanges } from './commands/table-changes.js';

const EXIT_CODES = `
Exit codes: 0 success; 1 the operation failed with a typed error (its code and a hint
are printed); 2 the command line was wrong; 70 an unexpected internal error.`;

/** The `aquifer` command tree. Commands only parse and print; capabilities do the work. */
export function buildProgram(): Command {
  const program = new Command('aquifer')
    // Set before subcommands are added: they copy it, so usage errors reach main's handler.
    .exitOverride()
    // Root options only before the subcommand, so `table read --version N` is the table's version, not ours.
    .enablePositionalOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .description('Aquifer: the data foundation for AI systems (Delta Lake tables, ingestion, features).')
    .version('0.1.0')
    .option('--log-level <level>', 'structured log level on stderr: fatal, error, warn, info, debug, trace', 'warn')
    .addHelpText('after', EXIT_CODES)
    .showHelpAfterError()
    .hook('preAction', (command) => {
      setLogLevel(String(command.opts()['logLevel'] ?? 'warn'));
    });
  const table = program.command('table').description('Delta Lake tables: read, time travel, describe, history, create, append, overwrite.').addHelpText('after', EXIT_CODES);
  registerTableRead(table);
  registerTableDescribe(table);
  registerTableHistory(table);
  registerTableWrites(table);
  registerTableAlter(table);
  registerTableDml(table);
  registerTableMaintenance(table);
  registerTableChanges(table);
  const ingest = program.command('ingest').description('Land data in Delta tables exactly once: files, Kafka, Kinesis; bad records go to quarantine.').addHelpText('after', EXIT_CODES);
  registerIngestFile(ingest);
  registerIngestKafka(ingest);
  registerIngestKinesis(ingest);
  registerQuarantine(program);
  registerServe(program);
  registerTokens(program);
  registerFeatureCommands(program);
  registerConformance(program);
  return program;
}
