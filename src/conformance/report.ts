import type { CaseResult } from './run-case.js';
import type { SuiteResult } from './run-suite.js';

/** How both front ends (`npm run conformance`, `aquifer conformance`) print a run. */
export type ReportFormat = 'text' | 'json';

export function caseLine(result: CaseResult): string {
  return result.passed ? `PASS ${result.name}\n` : `FAIL ${result.name}: ${result.detail}\n`;
}

export function summaryLine(suite: SuiteResult): string {
  return `${suite.passed} passed, ${suite.failed} failed\n`;
}

/** One JSON document: every case with what it proved or why it failed, and the counts. */
export function jsonReport(suite: SuiteResult, storage: string | undefined): string {
  return `${JSON.stringify({ ...(storage === undefined ? {} : { storage }), passed: suite.passed, failed: suite.failed, results: suite.results })}\n`;
}

/** Exit status: 0 when every case passed and there was at least one. */
export function suiteExitCode(suite: SuiteResult): 0 | 1 {
  return suite.failed === 0 && suite.results.length > 0 ? 0 : 1;
}
