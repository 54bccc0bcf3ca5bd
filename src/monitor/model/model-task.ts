import type { Engine } from '../../engine/index.js';
import { ModelMonitorOptionsError } from './errors.js';
import { loggedValue } from './logged-values.js';

/** What a model predicts: a class (its quality is accuracy, precision, recall, F1) or a number (RMSE, MAE). */
export type ModelTask = 'classification' | 'regression';

export const MODEL_TASKS: readonly ModelTask[] = ['classification', 'regression'];

/** Output names a classifier's signature has (skl2onnx's `label` and `probabilities`, ONNX ML's `output_label`/`output_probability`). */
const CLASSIFIER_OUTPUTS = ['label', 'probabilities', 'output_label', 'output_probability'];

export function checkTask(task: string | undefined): ModelTask | undefined {
  if (task === undefined || (MODEL_TASKS as readonly string[]).includes(task)) return task as ModelTask | undefined;
  throw new ModelMonitorOptionsError(`Unknown task ${JSON.stringify(task)}`, task, `Give one of ${MODEL_TASKS.join(', ')}.`);
}

/**
 * The task of a model unless given, from its logged predictions (`logged`: SQL over the
 * prediction log, filtered to the versions asked about): a classifier's signature, as
 * serving logged its outputs, has a label or probabilities output; otherwise values (`values`:
 * JSON columns of `rows`, the predictions and any labels) that are all whole numbers,
 * booleans or text are classes, and any fractional number makes it a regressor. A regressor
 * of counts is told apart only by `task`.
 */
export async function modelTask(
  engine: Engine,
  task: ModelTask | undefined,
  logged: string,
  values: { rows: string; columns: readonly string[] } = { rows: logged, columns: ['prediction'] },
): Promise<ModelTask> {
  if (task !== undefined) return task;
  const outputs = await engine.query(`SELECT DISTINCT unnest(json_keys(outputs)) AS name FROM (SELECT outputs FROM (${logged}) LIMIT 1000)`);
  if (outputs.some((o) => CLASSIFIER_OUTPUTS.includes(String(o['name'])))) return 'classification';
  const fractional = values.columns.map((column) => {
    const value = loggedValue(column);
    const number = `TRY_CAST(json_extract_string(${value}, '$') AS DOUBLE)`;
    return `bool_or(json_type(${value}) = 'DOUBLE' AND ${number} <> floor(${number}))`;
  });
  const [facts] = await engine.query(`SELECT (${fractional.join(' OR ')}) AS fractional FROM (${values.rows})`);
  return facts?.['fractional'] === true ? 'regression' : 'classification';
}
