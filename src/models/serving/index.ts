export { ModelLoader, loadModel } from './model-loader.js';
export { OnnxModel } from './onnx-model.js';
export { registerFunctionModel, unregisterFunctionModel, type PredictFunction, type FunctionModelOptions } from './function-model.js';
export { type ServableModel, type FeatureRow, type Predictions } from './servable-model.js';
export { OIP_DATATYPES, type OipDatatype, type TensorData, type TensorSpec } from './tensors.js';
export { decodeBinaryTensor, encodeBinaryTensor, elementCount, OIP_ELEMENT_BYTES } from './binary-tensors.js';
export { onnxDataFile, versionArtifactFolder } from './model-files.js';
export { modelFeatures, fetchFeatureRows, type ModelFeatures, type FetchedRows } from './model-features.js';
export {
  PredictionLog,
  PREDICTION_LINGER_MS,
  PREDICTION_LOG_PROPERTIES,
  type PredictedRows,
  type PredictionEntry,
  type FeedbackEntry,
  type PredictionLogOptions,
  type PredictionLogObserver,
} from './prediction-log.js';
export { predictionEntries } from './prediction-writer.js';
export { feedbackRows, feedbackSql, labeledPredictionsSql, type FeedbackRow } from './feedback.js';
export { PREDICTIONS_SUFFIX, FEEDBACK_SUFFIX, predictionsTable, feedbackTable, modelTableStem } from './log-tables.js';
export {
  ModelServing,
  modelRef,
  type ModelRef,
  type ModelServingOptions,
  type LogDurability,
  type PredictRequest,
  type PredictResponse,
  type InferRequest,
  type InferResponse,
  type ModelMetadata,
  type FeedbackItem,
} from './model-serving.js';
export {
  saveFeedbackTrainingSet,
  feedbackOriginOf,
  type FeedbackOrigin,
  type FeedbackTrainingSetOptions,
  type SavedFeedbackTrainingSet,
} from './feedback-training-set.js';
