/** What the CLI's exit status means; documented in `aquifer --help`. */
export const ExitCode = {
  OK: 0,
  /** The operation failed with a typed error (bad input, conflict, missing table...). */
  FAILED: 1,
  /** The command line itself was wrong. */
  USAGE: 2,
  /** Part of the work could not be done though nothing failed outright (a monitor that could not run). */
  INCOMPLETE: 3,
  /** A defect: an error Aquifer did not expect. Please report it. */
  INTERNAL: 70,
} as const;
