import { AquiferError } from '../../errors.js';

/** The model version has no logged predictions in the window asked for: there is no current data to compare. */
export class ModelNoPredictionsError extends AquiferError {
  constructor(model: string, version: string, window: string) {
    super('MONITOR_MODEL_NO_PREDICTIONS', `Version ${version} of ${model} has no logged predictions${window}`, {
      value: { model, version },
      hint: 'Serve that version (every answered prediction is logged), or widen --since/--until; `aquifer models show` lists its versions.',
    });
  }
}

/** The model version was not trained on a saved training set, so there is no reference to compare its predictions with. */
export class ModelNoTrainingSetError extends AquiferError {
  constructor(model: string, version: string) {
    super('MONITOR_MODEL_NO_TRAINING_SET', `Version ${version} of ${model} was not trained on a saved training set`, {
      value: { model, version },
      hint: 'Model drift compares the prediction log with the training set behind the version; name a version trained by `aquifer train`, or compare tables with --reference/--current.',
    });
  }
}

/** The model has no prediction log or no feedback table yet: there is nothing to measure its quality on. */
export class ModelNoFeedbackError extends AquiferError {
  constructor(model: string, table: string) {
    super('MONITOR_MODEL_NO_FEEDBACK', `The model ${model} has no ${table} table yet`, {
      value: { model, table },
      hint: 'Serve the model (predictions are logged) and post labels to /v1/models/{name}/feedback first.',
    });
  }
}

/** A model monitoring option cannot be used: a task, window or positive class that does not fit, a label or prediction the task cannot read. */
export class ModelMonitorOptionsError extends AquiferError {
  constructor(message: string, value: unknown, hint: string) {
    super('MONITOR_MODEL_OPTIONS_INVALID', message, { value, hint });
  }
}
