import { currentJobRun, jobRunsObserved, tableDataset, withJobRun, type JobSpec } from '../../observe/index.js';
import type { DeltaTable } from '../../table/index.js';
import type { ExpectationSuite } from '../suite/suite.js';
import { qualityFacts } from './quality-facts.js';
import type { SuiteValidationResult } from './results.js';
import { tableSource } from './table-source.js';
import { validateRows, type ValidateRowsOptions } from './validate-rows.js';

export interface ValidateOptions extends Omit<ValidateRowsOptions, 'meta'> {
  /** The table version to validate; the latest by default. */
  version?: number;
  /** The root folder of the project the table belongs to, for the validation's job run. */
  project?: string;
}

/** The job a validation of a suite is a run of. */
export function validationJob(suite: ExpectationSuite, project: string | undefined): JobSpec {
  return { name: `quality.validate.${suite.name}`, type: 'VALIDATION', ...(project === undefined ? {} : { project }) };
}

/**
 * Validate one version of a Delta table against a suite, in DuckDB (GE's expectations with
 * GE's semantics and result shape). `meta.aquifer` says which table and version were read.
 * The validation is a run of `quality.validate.<suite>`, whose input is the table version
 * with what the suite found (row count, column metrics, one assertion per expectation).
 */
export async function validate(table: DeltaTable, suite: ExpectationSuite, options: ValidateOptions = {}): Promise<SuiteValidationResult> {
  return withJobRun(validationJob(suite, options.project), () => validateTable(table, suite, options));
}

/** A validation inside the caller's run: its findings go on the run's input (see validate). */
export async function validateTable(table: DeltaTable, suite: ExpectationSuite, options: ValidateOptions = {}): Promise<SuiteValidationResult> {
  const source = await tableSource(table, options.version);
  const { version: _version, project: _project, ...rest } = options;
  const result = await validateRows(table.engine, source, suite, {
    ...rest,
    meta: { aquifer: { table: source.location, version: source.version, validated_at: new Date().toISOString() } },
  });
  const run = currentJobRun();
  if (run !== undefined && jobRunsObserved()) {
    const known = result.results.some((r) => typeof r.result['element_count'] === 'number' || r.expectation_config.type.startsWith('expect_table_row_count'));
    const rows = known ? undefined : Number((await table.engine.query(`SELECT count(*) AS n FROM (${source.unpositionedSql})`))[0]?.['n'] ?? 0);
    // Same identity as the scan the table layer reported, so the two merge into one input.
    run.input({ ...tableDataset(table.location), kind: 'table', version: String(source.version), dataQuality: qualityFacts(result, rows) });
  }
  return result;
}
