import type { Engine } from '../engine/index.js';
import { readCases, type ConformanceCase } from './manifest.js';
import { runCase, type CaseResult } from './run-case.js';

export interface SuiteResult {
  results: CaseResult[];
  passed: number;
  failed: number;
}

export async function runSuite(engine: Engine, root: string, onResult?: (result: CaseResult) => void): Promise<SuiteResult> {
  const cases: ConformanceCase[] = await readCases(root);
  const results: CaseResult[] = [];
  for (const testCase of cases) {
    const result = await runCase(engine, testCase);
    results.push(result);
    onResult?.(result);
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed };
}
