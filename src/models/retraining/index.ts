export { retrain, type RetrainOptions, type RetrainResult, type RetrainOutcome } from './retrain.js';
export { RETRAIN_TAGS } from './retrain-tags.js';
export {
  HOLDOUT_METRICS,
  scoreHoldout,
  compareScores,
  defaultDirection,
  isHoldoutMetric,
  type HoldoutMetric,
  type MetricDirection,
  type MetricOptions,
} from './holdout-metrics.js';
export { type HoldoutSource } from './holdout.js';
export { freshTrainingSetName, saveFreshTrainingSet, type FreshTrainingSet } from './fresh-training-set.js';
