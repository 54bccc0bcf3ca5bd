export { runSuite, type SuiteResult } from './run-suite.js';
export { runCase, LOG_REFUSAL_CODES, type CaseResult } from './run-case.js';
export { readCases, type ConformanceCase } from './manifest.js';
