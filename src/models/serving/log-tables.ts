/** The suffix of a model's prediction log table (`<model>__predictions`). */
export const PREDICTIONS_SUFFIX = '__predictions';
/** The suffix of a model's feedback table (`<model>__feedback`). */
export const FEEDBACK_SUFFIX = '__feedback';

/**
 * The table-name stem of a model: registered model names may hold characters a table
 * name cannot (MLflow allows spaces, `/`), so those become `_`; a name starting with
 * neither a letter nor a digit gets an `m` in front, as table names must.
 */
export function modelTableStem(model: string): string {
  const safe = model.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z0-9]/.test(safe) ? safe : `m${safe}`;
}

export const predictionsTable = (model: string): string => `${modelTableStem(model)}${PREDICTIONS_SUFFIX}`;
export const feedbackTable = (model: string): string => `${modelTableStem(model)}${FEEDBACK_SUFFIX}`;
