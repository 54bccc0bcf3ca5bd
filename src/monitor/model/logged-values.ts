import { quoteLiteral } from '../../engine/index.js';

/**
 * SQL over the JSON text the prediction log and feedback table keep (a prediction, a label):
 * the value itself, a one-element list taken as its element (ONNX outputs of shape [N, 1]
 * log each row's answer as `[x]`).
 */
export function loggedValue(json: string): string {
  return `(CASE WHEN json_type(${json}) = 'ARRAY' AND json_array_length(${json}) = 1 THEN json_extract(${json}, '$[0]') ELSE (${json})::JSON END)`;
}

/**
 * A class as text, so a label and a prediction of one class compare equal whatever JSON
 * type each was sent as: numbers by value (1, 1.0 and "1" as a number are one class),
 * booleans as 1 and 0 (a label `true` is the class 1 a classifier predicts), text as is.
 */
export function classKey(json: string): string {
  const value = loggedValue(json);
  // TRY_CAST: DuckDB may evaluate a CASE branch on rows another branch takes.
  const number = `TRY_CAST(json_extract_string(${value}, '$') AS DOUBLE)`;
  return `(CASE
    WHEN json_type(${value}) = 'BOOLEAN' THEN CASE WHEN json_extract_string(${value}, '$') = 'true' THEN '1' ELSE '0' END
    WHEN json_type(${value}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN ${numberText(number)}
    ELSE json_extract_string(${value}, '$') END)`;
}

/** A number as text, whole numbers without a fraction (the class 1, not 1.0, in a report's category bars). */
function numberText(number: string): string {
  return `CASE WHEN ${number} = floor(${number}) AND abs(${number}) < 1e15 THEN CAST(TRY_CAST(${number} AS BIGINT) AS VARCHAR) ELSE CAST(${number} AS VARCHAR) END`;
}

/** The class key of a value given in code (the positive class). */
export function classKeyOf(value: unknown): string {
  return classKey(quoteLiteral(JSON.stringify(value)));
}

/** A logged value as a number: NULL when it is not one (a regressor's label or prediction must be). */
export function numberValue(json: string): string {
  const value = loggedValue(json);
  return `(CASE WHEN json_type(${value}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN TRY_CAST(json_extract_string(${value}, '$') AS DOUBLE) END)`;
}
