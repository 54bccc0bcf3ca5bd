import type { TensorData, TensorSpec } from './tensors.js';

/** One entity row's inputs to a model: feature column → value. */
export type FeatureRow = Readonly<Record<string, unknown>>;

/** A model's answers for a batch of rows. */
export interface Predictions {
  /** One value per row: the model's first output (a label, a score). */
  predictions: unknown[];
  /** Every output by name, one value per row (a list for an output with more than one value per row). */
  outputs: Record<string, unknown[]>;
}

/**
 * A model ready to answer: an ONNX version from the registry or a function registered in
 * code. `predict` takes rows of named features; `infer` takes tensors as the Open Inference
 * Protocol sends them, for callers who build the inputs themselves.
 */
export interface ServableModel {
  readonly name: string;
  /** The registry version ("3"), or "function" for a model defined in code. */
  readonly version: string;
  readonly platform: 'onnx' | 'function';
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /**
   * The saved training set the version was trained on (its `aquifer.training_set` tag): its
   * features are what `predict` fetches from the online store, its feature columns the inputs' order.
   */
  readonly trainingSet?: string | undefined;
  /** `featureColumns` orders the values of a model with one [N, F] input; without them, each row must carry that input's list. */
  predict(rows: readonly FeatureRow[], featureColumns?: readonly string[]): Promise<Predictions>;
  infer(inputs: readonly TensorData[]): Promise<TensorData[]>;
}
