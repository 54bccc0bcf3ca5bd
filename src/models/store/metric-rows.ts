import type { Metric } from './types.js';

type Row = Record<string, unknown>;

/**
 * How MLflow's SQL store keeps a metric value, which is what its server answers: SQL has no
 * infinities, so ±Infinity becomes ±Number.MAX_VALUE; NaN is stored as 0 with a flag, which a
 * run's history reads back as NaN and a logged model's metrics (which have no flag) as 0.
 */
export function storedValue(value: number): { value: number; isNan: 0 | 1 } {
  if (Number.isNaN(value)) return { value: 0, isNan: 1 };
  if (value === Number.POSITIVE_INFINITY) return { value: Number.MAX_VALUE, isNan: 0 };
  if (value === Number.NEGATIVE_INFINITY) return { value: -Number.MAX_VALUE, isNan: 0 };
  return { value, isNan: 0 };
}

/** A run's metric point (history or latest): no model id, as MLflow's run metrics have none. */
export function runMetricOf(row: Row): Metric {
  return {
    key: String(row['key']),
    value: Number(row['is_nan']) === 1 ? Number.NaN : Number(row['value']),
    timestamp: Number(row['timestamp']),
    step: Number(row['step']),
  };
}

/** One of a logged model's metrics, with the run that logged it and its dataset when given. */
export function modelMetricOf(row: Row): Metric {
  const name = row['dataset_name'];
  const digest = row['dataset_digest'];
  return {
    key: String(row['key']),
    value: Number(row['value']),
    timestamp: Number(row['timestamp']),
    step: Number(row['step']),
    modelId: String(row['model_id']),
    runId: String(row['run_id']),
    ...(name === null || name === undefined ? {} : { datasetName: String(name) }),
    ...(digest === null || digest === undefined ? {} : { datasetDigest: String(digest) }),
  };
}
