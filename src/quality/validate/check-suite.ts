import type { DeltaTable } from '../../table/index.js';
import type { ExpectationSuite } from '../suite/suite.js';
import { parseResultFormat } from './result-format.js';
import { compileSuite, dataShape } from './validate-rows.js';

/** An expectation of a suite that cannot be evaluated on a table. */
export interface SuiteTableProblem {
  /** The expectation's index in the suite. */
  index: number;
  type: string;
  message: string;
}

/**
 * Check a suite without data, as `quality import` does: every type one Aquifer evaluates,
 * every kwargs fitting its type (SuiteInvalidError otherwise).
 */
export function checkSuite(suite: ExpectationSuite): void {
  compileSuite(suite, dataShape([]), parseResultFormat(undefined));
}

/**
 * Check a suite against a table's schema (the latest version's, or `version`'s) without
 * reading its data: the checks of `checkSuite`, then each expectation whose columns the
 * table lacks, as a problem (GE reports those in the result rather than failing the run).
 */
export async function suiteProblemsOnTable(suite: ExpectationSuite, table: DeltaTable, version?: number): Promise<SuiteTableProblem[]> {
  checkSuite(suite);
  const snapshot = await table.snapshot(version === undefined ? {} : { version });
  return compileSuite(suite, dataShape(snapshot.schema.fields), parseResultFormat(undefined)).flatMap((e) =>
    e.problem === undefined ? [] : [{ index: e.index, type: e.config.type, message: e.problem }],
  );
}
