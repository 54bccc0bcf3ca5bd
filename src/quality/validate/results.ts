import type { ExpectationConfig } from '../suite/suite.js';

/** A JSON value as results carry it (GE writes NaN and infinities as the strings "NaN", "Infinity"). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface ExceptionInfo {
  raised_exception: boolean;
  exception_traceback: string | null;
  exception_message: string | null;
}

/** One expectation's outcome, in GE 1.x's `ExpectationValidationResult.to_json_dict()` shape. */
export interface ExpectationResult {
  success: boolean;
  expectation_config: { type: string; kwargs: Record<string, unknown>; meta: Record<string, unknown>; id?: string; severity?: string };
  result: Record<string, JsonValue>;
  meta: Record<string, unknown>;
  exception_info: ExceptionInfo;
}

export interface ValidationStatistics {
  evaluated_expectations: number;
  successful_expectations: number;
  unsuccessful_expectations: number;
  success_percent: number | null;
}

/**
 * A suite's outcome on one batch of data, in GE 1.x's `ExpectationSuiteValidationResult`
 * shape, so tools that read GE results read these; `meta` says what was validated (table,
 * version) and `aquifer` carries what GE cannot: where every failing row is kept.
 */
export interface SuiteValidationResult {
  success: boolean;
  results: ExpectationResult[];
  suite_name: string;
  suite_parameters: Record<string, unknown>;
  statistics: ValidationStatistics;
  meta: Record<string, unknown>;
  id: string | null;
}

export const NO_EXCEPTION: ExceptionInfo = { raised_exception: false, exception_traceback: null, exception_message: null };

export function statistics(results: readonly { success: boolean }[]): ValidationStatistics {
  const successful = results.filter((r) => r.success).length;
  return {
    evaluated_expectations: results.length,
    successful_expectations: successful,
    unsuccessful_expectations: results.length - successful,
    success_percent: results.length === 0 ? null : (successful / results.length) * 100,
  };
}

export function echoConfig(config: ExpectationConfig): ExpectationResult['expectation_config'] {
  const echoed: ExpectationResult['expectation_config'] = { type: config.type, kwargs: config.kwargs, meta: config.meta ?? {} };
  if (config.id !== undefined) echoed.id = config.id;
  echoed.severity = config.severity ?? 'critical';
  return echoed;
}

/** A value from DuckDB as JSON: bigints as numbers (as strings beyond 2^53), dates as ISO text, NaN as "NaN". */
export function jsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return String(value);
}
