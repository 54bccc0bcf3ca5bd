import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { referencePython } from './reference-readers.js';
import { available, REPO_ROOT } from './shared.js';

/**
 * Great Expectations 1.x on pandas, the anchor for data quality parity (issue 15), run
 * through test/support/ge_validate.py in the reference venv. docs/ge-semantics.md says what
 * its answers mean.
 */

const run = promisify(execFile);

export const GE_VALIDATE_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'ge_validate.py');
export const GE_PLANTED_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'ge_planted_defects.py');

/** One expectation as GE 1.x writes it in a suite. */
export interface GeExpectationConfig {
  type: string;
  kwargs: Record<string, unknown>;
  meta?: Record<string, unknown>;
  id?: string;
}

export interface GeSuite {
  name: string;
  expectations: GeExpectationConfig[];
  meta?: Record<string, unknown>;
}

/** A value of GE's JSON: scalars, lists, or objects (index-list entries, pair values). */
export type GeValue = null | boolean | number | string | GeValue[] | { [key: string]: GeValue };

/** The `result` of one expectation; which keys appear depends on its family and result_format. */
export interface GeResult {
  observed_value?: GeValue;
  element_count?: number;
  unexpected_count?: number;
  unexpected_percent?: number | null;
  missing_count?: number;
  missing_percent?: number | null;
  unexpected_percent_total?: number | null;
  unexpected_percent_nonmissing?: number | null;
  partial_unexpected_list?: GeValue[];
  partial_unexpected_counts?: { value: GeValue; count: number }[];
  partial_unexpected_index_list?: GeValue[];
  unexpected_list?: GeValue[];
  unexpected_index_list?: GeValue[];
  unexpected_index_query?: string;
  unexpected_index_column_names?: string[];
  partial_missing_list?: GeValue[];
  details?: Record<string, GeValue>;
}

export interface GeExpectationResult {
  success: boolean;
  expectation_config: GeExpectationConfig & { severity?: string };
  result: GeResult;
  meta: Record<string, unknown>;
  exception_info: Record<string, unknown>;
}

export interface GeValidationResult {
  success: boolean;
  suite_name: string;
  statistics: {
    evaluated_expectations: number;
    successful_expectations: number;
    unsuccessful_expectations: number;
    success_percent: number | null;
  };
  results: GeExpectationResult[];
  meta: Record<string, unknown>;
}

export type GeResultFormat = 'BOOLEAN_ONLY' | 'BASIC' | 'SUMMARY' | 'COMPLETE';

export interface GeValidateOptions {
  resultFormat?: GeResultFormat;
  /** Columns that identify a failing row in unexpected_index_list (else the 0-based row position). */
  idColumns?: readonly string[];
}

/** Whether GE can run: the reference interpreter imports great_expectations. */
export function geReferenceAvailable(): boolean {
  const python = referencePython();
  let why = 'no interpreter (set AQUIFER_PYTHON, or run scripts/python-env.sh)';
  let present = false;
  if (python !== undefined) {
    const probe = spawnSync(python, ['-c', 'import great_expectations'], { encoding: 'utf8', timeout: 300_000 });
    present = probe.status === 0;
    why = probe.error !== undefined ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
  }
  return available(`great_expectations in the reference venv at ${python ?? '(no interpreter)'} [${present ? 'ok' : why}]`, present);
}

/** GE bound to one interpreter and a scratch folder for the suite files it is handed. */
export class GeReference {
  private count = 0;

  constructor(
    private readonly python: string,
    private readonly scratch: string,
  ) {}

  /** Validate a Parquet file, or a folder of them, with GE; any failure of the runner throws. */
  async validate(data: string, suite: GeSuite, options: GeValidateOptions = {}): Promise<GeValidationResult> {
    const suitePath = path.join(this.scratch, `suite-${++this.count}.json`);
    await writeFile(suitePath, JSON.stringify(suite));
    const args = [GE_VALIDATE_SCRIPT, data, suitePath, '--result-format', options.resultFormat ?? 'COMPLETE'];
    if (options.idColumns !== undefined && options.idColumns.length > 0) args.push('--unexpected-index-column-names', options.idColumns.join(','));
    const { stdout } = await run(this.python, args, { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
    return JSON.parse(stdout) as GeValidationResult;
  }

  /** Write the planted-defect table and its suite (test/support/ge_planted_defects.py) into `dir`. */
  async writePlantedDefects(dir: string): Promise<{ data: string; suite: string }> {
    await run(this.python, [GE_PLANTED_SCRIPT, dir]);
    return { data: path.join(dir, 'data.parquet'), suite: path.join(dir, 'suite.json') };
  }
}

/** The results of one expectation type whose kwargs include `kwargs` (GE does not keep suite order). */
export function geResultsFor(result: GeValidationResult, type: string, kwargs: Record<string, unknown> = {}): GeExpectationResult[] {
  return result.results.filter(
    (r) =>
      r.expectation_config.type === type &&
      Object.entries(kwargs).every(([key, value]) => JSON.stringify(r.expectation_config.kwargs[key]) === JSON.stringify(value)),
  );
}
