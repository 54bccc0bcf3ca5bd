import { AquiferError } from '../../errors.js';
import type { FeatureRow, Predictions, ServableModel } from './servable-model.js';
import { rowsOf, type TensorData, type TensorSpec } from './tensors.js';

/** A model defined in code: rows of named features in, one prediction per row out. */
export type PredictFunction = (rows: readonly FeatureRow[]) => readonly unknown[] | Promise<readonly unknown[]>;

export interface FunctionModelOptions {
  /** The feature columns it reads, in order: the inputs its metadata lists (FP64, one value per row). */
  inputs?: readonly string[];
  /** A saved training set whose features `predict` fetches from the online store, as for a registered version. */
  trainingSet?: string;
}

const registered = new Map<string, ServableModel>();

/**
 * Serve a function under `name` (taking precedence over a registered model of that name in
 * this process): `POST /v1/models/{name}/predict` calls it with the rows, and its answers
 * are logged like any model's. Registering a name again replaces the function.
 */
export function registerFunctionModel(name: string, fn: PredictFunction, options: FunctionModelOptions = {}): void {
  registered.set(name, new FunctionModel(name, fn, options));
}

export function unregisterFunctionModel(name: string): void {
  registered.delete(name);
}

export function functionModel(name: string): ServableModel | undefined {
  return registered.get(name);
}

class FunctionModel implements ServableModel {
  readonly version = 'function';
  readonly platform = 'function';
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[] = [{ name: 'prediction', datatype: 'BYTES', shape: [-1] }];
  readonly trainingSet?: string;

  constructor(
    readonly name: string,
    private readonly fn: PredictFunction,
    options: FunctionModelOptions,
  ) {
    this.inputs = (options.inputs ?? []).map((input) => ({ name: input, datatype: 'FP64', shape: [-1] }));
    if (options.trainingSet !== undefined) this.trainingSet = options.trainingSet;
  }

  async predict(rows: readonly FeatureRow[]): Promise<Predictions> {
    let answers: readonly unknown[];
    try {
      answers = await this.fn(rows);
    } catch (error) {
      // The user's code failed: kept as the cause, reported under the model's name.
      throw new AquiferError('MODEL_LOAD_FAILED', `The function model ${this.name} failed: ${(error as Error).message}`, {
        value: { model: this.name },
        hint: 'Fix the function registered with registerFunctionModel.',
        cause: error,
      });
    }
    if (!Array.isArray(answers) || answers.length !== rows.length)
      throw new AquiferError(
        'MODEL_LOAD_FAILED',
        `The function model ${this.name} returned ${Array.isArray(answers) ? answers.length : 'no list of'} answers for ${rows.length} rows`,
        {
          value: { model: this.name },
          hint: 'Return one prediction per row.',
        },
      );
    return { predictions: [...answers], outputs: { prediction: [...answers] } };
  }

  /** Each input tensor is a column (one value per row, [N] or [N, 1]). */
  async infer(inputs: readonly TensorData[]): Promise<TensorData[]> {
    const rows: Record<string, unknown>[] = [];
    for (const input of inputs)
      rowsOf(input).forEach((value, i) => {
        (rows[i] ??= {})[input.name] = Array.isArray(value) && value.length === 1 ? value[0] : value;
      });
    const { predictions } = await this.predict(rows);
    const numeric = predictions.every((p) => typeof p === 'number');
    return [
      {
        name: 'prediction',
        datatype: numeric ? 'FP64' : 'BYTES',
        shape: [predictions.length],
        data: predictions.map((p) => (numeric ? (p as number) : typeof p === 'string' ? p : JSON.stringify(p))),
      },
    ];
  }
}
