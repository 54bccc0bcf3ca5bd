import { Counter, Histogram, type Registry } from 'prom-client';

/** Log commit buckets, in seconds: the log lingers a second before committing, so its commits are measured without the linger. */
const COMMIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Online prediction: rows answered per model version, and the prediction log's commits
 * (`aquifer_prediction_log_rows_total{model}`, `aquifer_prediction_log_commit_duration_seconds{model}`,
 * `aquifer_prediction_log_failures_total{model}`). Its methods are the prediction log's observer.
 */
export class PredictionMetrics {
  private readonly predictions: Counter<'model' | 'version'>;
  private readonly rows: Counter<'model'>;
  private readonly duration: Histogram<'model'>;
  private readonly failures: Counter<'model'>;
  private readonly labels: Counter<'model'>;

  constructor(registry: Registry) {
    this.predictions = new Counter({
      name: 'aquifer_predictions_total',
      help: 'Prediction rows answered (each handed to the prediction log), by model and version.',
      labelNames: ['model', 'version'],
      registers: [registry],
    });
    this.rows = new Counter({
      name: 'aquifer_prediction_log_rows_total',
      help: 'Prediction rows committed to the prediction log, by model.',
      labelNames: ['model'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'aquifer_prediction_log_commit_duration_seconds',
      help: 'Time one commit of the prediction log took (not counting the linger before it), by model.',
      labelNames: ['model'],
      buckets: COMMIT_BUCKETS,
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'aquifer_prediction_log_failures_total',
      help: 'Prediction log commits that failed (their rows were answered but are not in the log), by model.',
      labelNames: ['model'],
      registers: [registry],
    });
    this.labels = new Counter({
      name: 'aquifer_feedback_labels_total',
      help: 'Labels fed back for logged predictions (POST /v1/models/{name}/feedback) and committed, by model.',
      labelNames: ['model'],
      registers: [registry],
    });
  }

  /** Labels of `POST /v1/models/{name}/feedback` committed to the model's feedback table. */
  feedback(model: string, labels: number): void {
    this.labels.inc({ model }, labels);
  }

  answered(model: string, version: string, rows: number): void {
    this.predictions.inc({ model, version }, rows);
  }

  committed(model: string, rows: number, seconds: number): void {
    this.rows.inc({ model }, rows);
    this.duration.observe({ model }, seconds);
  }

  failed(model: string): void {
    this.failures.inc({ model });
  }
}
