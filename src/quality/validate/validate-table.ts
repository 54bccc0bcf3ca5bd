import type { DeltaTable } from '../../table/index.js';
import type { ExpectationSuite } from '../suite/suite.js';
import type { SuiteValidationResult } from './results.js';
import { tableSource } from './table-source.js';
import { validateRows, type ValidateRowsOptions } from './validate-rows.js';

export interface ValidateOptions extends Omit<ValidateRowsOptions, 'meta'> {
  /** The table version to validate; the latest by default. */
  version?: number;
}

/**
 * Validate one version of a Delta table against a suite, in DuckDB (GE's expectations with
 * GE's semantics and result shape). `meta.aquifer` says which table and version were read.
 */
export async function validate(table: DeltaTable, suite: ExpectationSuite, options: ValidateOptions = {}): Promise<SuiteValidationResult> {
  const source = await tableSource(table, options.version);
  const { version: _version, ...rest } = options;
  return validateRows(table.engine, source, suite, {
    ...rest,
    meta: { aquifer: { table: source.location, version: source.version, validated_at: new Date().toISOString() } },
  });
}
