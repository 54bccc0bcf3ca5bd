#!/usr/bin/env node
import { CommanderError } from 'commander';
import { ERROR_CODES, isAquiferError } from '../errors.js';
import { log } from '../log.js';
import { ExitCode } from './exit-codes.js';
import { auditAtExit, closeOpened, finishOpened } from './close-at-exit.js';
import { buildProgram } from './program.js';
import { CliUsageError } from './usage-error.js';

// A reader that stops early (`aquifer table read ... | head`) closes the pipe: that ends the
// output, it is not a failure of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(ExitCode.OK);
  throw error;
});

/** The one place errors become exit codes: typed errors print their code and hint. */
async function main(argv: string[]): Promise<number> {
  const outcome = await run(argv);
  try {
    // The command's audit entry, then lineage, are written while the project's stores are still open.
    await auditAtExit(outcome.code, outcome.errorCode);
    await finishOpened();
  } finally {
    closeOpened();
  }
  return outcome.code;
}

async function run(argv: string[]): Promise<{ code: number; errorCode?: string }> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return { code: typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK };
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return { code: ExitCode.OK };
      if (error.code === 'commander.executeSubCommandAsync') return { code: ExitCode.OK };
      return { code: ExitCode.USAGE };
    }
    if (isAquiferError(error)) {
      process.stderr.write(`error ${error.code}: ${error.message}\n`);
      if (error.hint !== '') process.stderr.write(`hint: ${error.hint}\n`);
      log.debug({ err: error, code: error.code }, 'command failed');
      return { code: error instanceof CliUsageError ? ExitCode.USAGE : ERROR_CODES[error.code].exit, errorCode: error.code };
    }
    log.error({ err: error }, 'unexpected error');
    process.stderr.write(
      `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nThis is a defect in Aquifer; please report it.\n`,
    );
    return { code: ExitCode.INTERNAL };
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
