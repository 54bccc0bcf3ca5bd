export { parseSuite, suiteToJson, SUITE_NAME, MAX_EXPECTATIONS, type ExpectationConfig, type ExpectationSuite, type SuiteAction } from './suite/suite.js';
export { EXPECTATIONS, expectationTypes } from './expectations/catalogue.js';
export { registerExpectation } from './expectations/register.js';
export { defineMap, defineAggregate } from './expectations/definition.js';
export { ROWS_SATISFY, UNEXPECTED_ROWS } from './expectations/custom-sql.js';
export type {
  AggregateExpectation,
  AggregateOutcome,
  DataFacts,
  DataShape,
  ExpectationDefinition,
  ExpectationFamily,
  MapExpectation,
  RowsQuery,
} from './expectations/definition.js';
export { parseResultFormat, RESULT_FORMAT_LEVELS, MAX_UNEXPECTED_VALUES, type ResultFormat, type ResultFormatLevel } from './validate/result-format.js';
export type { ExpectationResult, ExceptionInfo, JsonValue, SuiteValidationResult, ValidationStatistics } from './validate/results.js';
export {
  validateRows,
  compileSuite,
  POSITION_COLUMN,
  ROWS,
  type ValidationSource,
  type ValidateRowsOptions,
  type CompiledExpectation,
  type FailingRowsStatement,
} from './validate/validate-rows.js';
export { tableSource, FILE_COLUMN, ROW_COLUMN, type TableSource } from './validate/table-source.js';
export { validate, type ValidateOptions } from './validate/validate-table.js';
export { SuiteInvalidError, SuiteNotFoundError, QualityColumnNotFoundError, SuiteColumnsMissingError, QualityGateBlockedError } from './errors.js';
export { readSuite, readSuiteFile, listSuites, writeSuite, suitePath, SUITES_DIR, MAX_SUITE_BYTES } from './suite/suite-store.js';
export {
  profile,
  profileRows,
  PROFILE_QUANTILES,
  TOP_VALUES,
  LOW_CARDINALITY,
  HISTOGRAM_BINS,
  QUANTILE_METHOD,
  type TableProfile,
  type ColumnProfile,
  type Histogram,
  type HistogramBin,
  type ValueCount,
  type ProfileOptions,
  type ProfileRowsOptions,
  type ProfileSource,
} from './profile/profile.js';
export type { ColumnKind } from './profile/column-kind.js';
export { suggestSuite, type SuggestOptions } from './profile/suggest-suite.js';
export { renderValidationReport, type ValidationReportOptions } from './report/validation-report.js';
export { renderProfileReport, type ProfileReportOptions } from './report/profile-report.js';
export { checkSuite, suiteProblemsOnTable, type SuiteTableProblem } from './validate/check-suite.js';
export { validateAndRecord, type RecordOptions, type RecordedValidation } from './results/record-validation.js';
export { RESULTS_TABLE, FAILURES_TABLE, RESULTS_SCHEMA, FAILURES_SCHEMA, qualityTableLocation, openQualityTable } from './results/results-tables.js';
export { compileGate, judgeBatch, requireSuite, expectationReason, GATE_ROWS, type QualityGate, type CompiledGate, type GateWarning } from './gate/gate.js';
export { gateFor, setGate } from './gate/project-gates.js';
