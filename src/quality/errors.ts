import { AquiferError } from '../errors.js';

/** A suite or one of its expectations cannot be used: an unknown type, kwargs that do not fit it, a file that is not a suite. */
export class SuiteInvalidError extends AquiferError {
  constructor(message: string, value: unknown, hint: string) {
    super('QUALITY_SUITE_INVALID', message, { value, hint });
  }
}

export class SuiteNotFoundError extends AquiferError {
  constructor(name: string, hint = 'List the suites with `aquifer quality suites`, or import one with `aquifer quality import FILE`.') {
    super('QUALITY_SUITE_NOT_FOUND', `No quality suite named ${name}`, { value: name, hint });
  }
}

/** A custom expectation names a column the data does not have (built-in ones report it in their result, as GE does). */
export class QualityColumnNotFoundError extends AquiferError {
  constructor(column: string, expectation: string, available: readonly string[]) {
    super('QUALITY_COLUMN_NOT_FOUND', `The expectation ${expectation} names the column ${column}, which the data does not have`, {
      value: column,
      hint: `Columns: ${available.slice(0, 20).join(', ')}${available.length > 20 ? ', …' : ''}.`,
    });
  }
}

/** A suite checked against a table (`quality validate-suites`) names columns the table lacks. */
export class SuiteColumnsMissingError extends AquiferError {
  constructor(problems: readonly { suite: string; table: string; message: string }[]) {
    const first = problems[0];
    super(
      'QUALITY_SUITE_COLUMNS_MISSING',
      `${problems.length} expectation${problems.length === 1 ? '' : 's'} name columns their table lacks${first === undefined ? '' : `; first: suite ${first.suite} on ${first.table}: ${first.message}`}`,
      { value: problems.slice(0, 20), hint: 'Fix the column names in the suite (quality/<suite>.json), or check it against the table it is for.' },
    );
  }
}

/** A gated write (or a training set, a materialization) refused: a blocking suite failed on its batch, and nothing was written. */
export class QualityGateBlockedError extends AquiferError {
  constructor(
    what: string,
    suite: string,
    readonly failed: readonly { type: string; kwargs: Record<string, unknown>; observed?: unknown }[],
  ) {
    super('QUALITY_GATE_BLOCKED', `The suite ${suite} blocked ${what}: ${failed.map((f) => f.type).join(', ')} failed; nothing was written`, {
      value: { suite, failed },
      hint: `Fix the data or the suite (quality/${suite}.json); on a table's gate, "action": "warn" lets failed table-level expectations through with a warning.`,
    });
  }
}
