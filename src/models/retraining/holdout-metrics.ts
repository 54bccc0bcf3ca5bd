import { AquiferError } from '../../errors.js';

/** The metrics a holdout can be scored by: each computed exactly from the predicted and true values. */
export const HOLDOUT_METRICS = {
  accuracy: { task: 'classification', direction: 'higher' },
  precision: { task: 'classification', direction: 'higher' },
  recall: { task: 'classification', direction: 'higher' },
  f1: { task: 'classification', direction: 'higher' },
  rmse: { task: 'regression', direction: 'lower' },
  mae: { task: 'regression', direction: 'lower' },
} as const;

export type HoldoutMetric = keyof typeof HOLDOUT_METRICS;
export type MetricDirection = 'higher' | 'lower';

export function isHoldoutMetric(name: string): name is HoldoutMetric {
  return Object.hasOwn(HOLDOUT_METRICS, name);
}

/** Which way is better for a metric: accuracy up, error down. */
export function defaultDirection(metric: HoldoutMetric): MetricDirection {
  return HOLDOUT_METRICS[metric].direction;
}

export interface MetricOptions {
  /**
   * The positive class for precision, recall and f1 (binary, as scikit-learn's `average="binary"`);
   * 1 by default. Compared as labels are: 1, 1.0, "1" and true are the same class.
   */
  positiveLabel?: unknown;
}

/**
 * A metric of predictions against true labels, as scikit-learn computes it: accuracy the
 * share of equal labels; precision, recall and f1 of the positive class, 0 where their
 * denominator is 0 (scikit-learn's `zero_division` default); rmse and mae of numbers.
 */
export function scoreHoldout(metric: HoldoutMetric, predicted: readonly unknown[], actual: readonly unknown[], options: MetricOptions = {}): number {
  if (predicted.length !== actual.length)
    throw invalid(`${predicted.length} predictions for ${actual.length} labels`, { predicted: predicted.length, actual: actual.length });
  if (actual.length === 0) throw invalid('there are no rows to score', { rows: 0 });
  if (HOLDOUT_METRICS[metric].task === 'regression') {
    const errors = actual.map((y, i) => numberOf(predicted[i], 'prediction', i) - numberOf(y, 'label', i));
    if (metric === 'mae') return errors.reduce((sum, e) => sum + Math.abs(e), 0) / errors.length;
    return Math.sqrt(errors.reduce((sum, e) => sum + e * e, 0) / errors.length);
  }
  const predictedClasses = predicted.map(classOf);
  const actualClasses = actual.map(classOf);
  if (metric === 'accuracy') return actualClasses.filter((y, i) => y === predictedClasses[i]).length / actualClasses.length;
  const positive = classOf(options.positiveLabel ?? 1);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  actualClasses.forEach((y, i) => {
    const p = predictedClasses[i] === positive;
    if (p && y === positive) tp += 1;
    else if (p) fp += 1;
    else if (y === positive) fn += 1;
  });
  if (metric === 'precision') return tp + fp === 0 ? 0 : tp / (tp + fp);
  if (metric === 'recall') return tp + fn === 0 ? 0 : tp / (tp + fn);
  return 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** A value as a class: numbers by value (1 and 1.0 alike, as scikit-learn compares them), booleans as 1 and 0, the rest as text. */
function classOf(value: unknown): string {
  const single = unwrap(value);
  if (typeof single === 'boolean') return single ? '1' : '0';
  if (typeof single === 'bigint') return single.toString();
  if (typeof single === 'number') return String(single);
  if (typeof single === 'string' && /^-?\d+(\.0+)?$/.test(single)) return String(Number(single));
  return typeof single === 'string' ? single : JSON.stringify(single ?? null);
}

function numberOf(value: unknown, what: string, row: number): number {
  const single = unwrap(value);
  const n = typeof single === 'number' ? single : typeof single === 'bigint' ? Number(single) : typeof single === 'string' ? Number(single) : NaN;
  if (!Number.isFinite(n)) throw invalid(`the ${what} of row ${row} is not a finite number`, { row, [what]: single ?? null });
  return n;
}

/** A model output of shape [N, 1] gives a one-element list per row. */
function unwrap(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? value[0] : value;
}

function invalid(detail: string, value: unknown): AquiferError {
  return new AquiferError('MODEL_RETRAIN_INVALID', `The holdout cannot be scored: ${detail}`, {
    value,
    hint: 'Give a holdout whose label column holds the values the model predicts (classes for accuracy, precision, recall and f1; numbers for rmse and mae).',
  });
}

/**
 * How much better the candidate scored than the version it challenges (candidate − previous
 * when higher is better, previous − candidate when lower is), and whether that is enough to
 * move the alias: strictly better, and by at least `minImprovement`. A tie keeps the alias.
 */
export function compareScores(
  previous: number,
  candidate: number,
  direction: MetricDirection,
  minImprovement: number,
): { improvement: number; better: boolean } {
  const improvement = direction === 'higher' ? candidate - previous : previous - candidate;
  return { improvement, better: improvement > 0 && improvement >= minImprovement };
}
