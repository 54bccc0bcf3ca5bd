import { AquiferError } from '../errors.js';

/** A command line that parsed but does not make sense (flags that must go together, a bad input file): exit 2. */
export class CliUsageError extends AquiferError {
  constructor(message: string, value: unknown, hint: string) {
    super('CLI_USAGE', message, { value, hint });
  }
}
