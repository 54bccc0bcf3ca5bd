import type { Engine } from '../engine/index.js';
import type { S3StoreOptions } from '../storage/index.js';
import { copyCases } from './copy-cases.js';
import { readCases, type ConformanceCase } from './manifest.js';
import { runCase, type CaseResult } from './run-case.js';

export interface SuiteOptions {
  onResult?: (result: CaseResult) => void;
  /**
   * Run on copies of the tables in object storage (`s3://bucket/prefix`, or another folder):
   * each case's `delta/` is uploaded to `<storage>/<case>/delta` first, then read from there.
   */
  storage?: string;
  /** Endpoint and credentials for `storage`; unset ones come from the AWS environment. */
  s3?: S3StoreOptions;
}

export interface SuiteResult {
  results: CaseResult[];
  passed: number;
  failed: number;
}

export async function runSuite(engine: Engine, root: string, options: SuiteOptions = {}): Promise<SuiteResult> {
  const s3 = options.s3 === undefined ? {} : { s3: options.s3 };
  let cases: ConformanceCase[] = await readCases(root);
  if (options.storage !== undefined) cases = await copyCases(cases, options.storage, s3);
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const result = await runCase(engine, testCase, s3);
    results.push(result);
    options.onResult?.(result);
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed };
}
