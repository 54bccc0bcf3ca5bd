export { parseSuite, suiteToJson, SUITE_NAME, MAX_EXPECTATIONS, type ExpectationConfig, type ExpectationSuite, type SuiteAction } from './suite/suite.js';
export { EXPECTATIONS, expectationTypes } from './expectations/catalogue.js';
export type {
  AggregateExpectation,
  AggregateOutcome,
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
} from './validate/validate-rows.js';
export { tableSource, FILE_COLUMN, ROW_COLUMN, type TableSource } from './validate/table-source.js';
export { validate, type ValidateOptions } from './validate/validate-table.js';
export { SuiteInvalidError, SuiteNotFoundError, QualityColumnNotFoundError, QualityGateBlockedError } from './errors.js';
export { readSuite, readSuiteFile, listSuites, writeSuite, suitePath, SUITES_DIR, MAX_SUITE_BYTES } from './suite/suite-store.js';
export { compileGate, judgeBatch, requireSuite, expectationReason, GATE_ROWS, type QualityGate, type CompiledGate, type GateWarning } from './gate/gate.js';
export { gateFor, setGate } from './gate/project-gates.js';
