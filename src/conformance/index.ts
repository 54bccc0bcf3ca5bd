export { runSuite, type SuiteOptions, type SuiteResult } from './run-suite.js';
export { runCase, LOG_REFUSAL_CODES, type CaseResult, type RunCaseOptions } from './run-case.js';
export { readCases, type ConformanceCase } from './manifest.js';
export { copyCases, type CopyCasesOptions } from './copy-cases.js';
export { caseLine, jsonReport, suiteExitCode, summaryLine, type ReportFormat } from './report.js';
