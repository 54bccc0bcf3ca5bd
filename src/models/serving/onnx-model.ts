import * as ort from 'onnxruntime-node';
import { AquiferError } from '../../errors.js';
import type { FeatureRow, Predictions, ServableModel } from './servable-model.js';
import { fromOrtTensor, inputInvalid, oipDatatype, oipShape, rowsOf, toOrtTensor, type TensorData, type TensorSpec } from './tensors.js';

/** An ONNX model in an ONNX Runtime session, with only its tensor inputs and outputs. */
export class OnnxModel implements ServableModel {
  readonly platform = 'onnx';

  private constructor(
    readonly name: string,
    readonly version: string,
    private readonly session: ort.InferenceSession,
    readonly inputs: readonly TensorSpec[],
    readonly outputs: readonly TensorSpec[],
    readonly trainingSet: string | undefined,
  ) {}

  /**
   * Load from the ONNX file's bytes. Bytes ONNX Runtime refuses are MODEL_LOAD_FAILED; a model
   * with a non-tensor input, or no tensor output at all, is MODEL_NOT_SERVABLE. Non-tensor
   * outputs (skl2onnx's ZipMap, a sequence of maps) are left out: onnxruntime-node cannot
   * return them, and the tensors beside them (label, probabilities) carry the same answer.
   */
  static async load(name: string, version: string, bytes: Uint8Array, trainingSet?: string): Promise<OnnxModel> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes);
    } catch (error) {
      throw new AquiferError('MODEL_LOAD_FAILED', `ONNX Runtime could not load ${name} version ${version}: ${(error as Error).message}`, {
        value: { model: name, version },
        hint: 'Register a version whose model.onnx loads in onnxruntime (check it with onnx.checker).',
        cause: error,
      });
    }
    const inputs: TensorSpec[] = [];
    for (const meta of session.inputMetadata) {
      const datatype = meta.isTensor ? oipDatatype(meta.type) : undefined;
      if (!meta.isTensor || datatype === undefined) {
        await session.release();
        throw notServable(name, version, `its input '${meta.name}' is not a tensor of a type Aquifer can feed`);
      }
      inputs.push({ name: meta.name, datatype, shape: oipShape(meta.shape) });
    }
    const outputs = session.outputMetadata.flatMap((meta) => {
      const datatype = meta.isTensor ? oipDatatype(meta.type) : undefined;
      return datatype === undefined || !meta.isTensor ? [] : [{ name: meta.name, datatype, shape: oipShape(meta.shape) }];
    });
    if (outputs.length === 0) {
      await session.release();
      throw notServable(name, version, 'it has no tensor output (export scikit-learn classifiers with skl2onnx option zipmap=False)');
    }
    return new OnnxModel(name, version, session, inputs, outputs, trainingSet);
  }

  async predict(rows: readonly FeatureRow[], featureColumns?: readonly string[]): Promise<Predictions> {
    // Nothing to run; ONNX Runtime's handling of empty batches varies by operator.
    if (rows.length === 0) return { predictions: [], outputs: Object.fromEntries(this.outputs.map((o) => [o.name, []])) };
    const tensors = await this.infer(this.feeds(rows, featureColumns));
    const outputs = Object.fromEntries(tensors.map((t) => [t.name, rowsOf(t)]));
    return { predictions: outputs[(this.outputs[0] as TensorSpec).name] ?? [], outputs };
  }

  async infer(inputs: readonly TensorData[]): Promise<TensorData[]> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of inputs) {
      const spec = this.inputs.find((i) => i.name === input.name);
      if (spec === undefined)
        throw inputInvalid(`The model has no input '${input.name}'`, { input: input.name, expected: this.inputs.map((i) => i.name).join(', ') });
      if (input.datatype !== spec.datatype)
        throw inputInvalid(`Input '${input.name}' is ${spec.datatype}, not ${input.datatype}`, {
          input: input.name,
          expected: spec.datatype,
          got: input.datatype,
        });
      checkShape(spec, input.shape, input.data.length);
      feeds[input.name] = toOrtTensor(input.name, spec.datatype, input.data, input.shape);
    }
    for (const spec of this.inputs)
      if (feeds[spec.name] === undefined) throw inputInvalid(`Input '${spec.name}' is missing`, { input: spec.name, expected: spec.datatype });
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(
        feeds,
        this.outputs.map((o) => o.name),
      );
    } catch (error) {
      // Shapes and types were checked above; what ONNX Runtime still refuses is the input's fault too (a rank it cannot broadcast, say).
      throw inputInvalid(`ONNX Runtime refused the inputs: ${(error as Error).message}`, { input: inputs.map((i) => i.name).join(', ') });
    }
    return this.outputs.map((o) => fromOrtTensor(o.name, results[o.name] as ort.Tensor));
  }

  /**
   * The model's inputs from rows: one [N, F] input (or [N] for F = 1) in `featureColumns`
   * order, or one input per feature column by the input's name, or, without feature columns,
   * a field per row named after the single input holding that row's list of values.
   */
  private feeds(rows: readonly FeatureRow[], featureColumns: readonly string[] | undefined): TensorData[] {
    const single = this.inputs.length === 1 ? (this.inputs[0] as TensorSpec) : undefined;
    const byName = this.inputs.every((i) => rows.length > 0 && rows.every((r) => i.name in r) && !Array.isArray(rows[0]?.[i.name]));
    const perColumn = featureColumns === undefined ? byName : this.inputs.every((i) => featureColumns.includes(i.name));
    if (perColumn || single === undefined) {
      return this.inputs.map((spec) => {
        const values = rows.map((row, i) => {
          const value = row[spec.name];
          if (value === null && isFloating(spec.datatype)) return NaN;
          if (value === null || value === undefined)
            throw inputInvalid(`Feature '${spec.name}' is missing for row ${i}`, { input: spec.name, feature: spec.name, row: i, expected: spec.datatype });
          return value;
        });
        const shape = spec.shape.length === 2 ? [rows.length, 1] : [rows.length];
        return { name: spec.name, datatype: spec.datatype, shape, data: checkedValues(spec, values, (i) => ({ feature: spec.name, row: i })) };
      });
    }
    if (featureColumns !== undefined) {
      const width = single.shape[1];
      if (width !== undefined && width >= 0 && width !== featureColumns.length)
        throw new AquiferError(
          'MODEL_NOT_SERVABLE',
          `${this.name} version ${this.version} takes ${width} features, its training set has ${featureColumns.length}`,
          {
            value: { model: this.name, version: this.version, featureColumns },
            hint: 'Tag the version with the training set it was trained on (aquifer.training_set).',
          },
        );
      const values = rows.flatMap((row, i) =>
        featureColumns.map((column) => {
          const value = row[column];
          if (value === null && isFloating(single.datatype)) return NaN;
          if (value === null || value === undefined)
            throw inputInvalid(`Feature '${column}' is missing for row ${i}`, { input: single.name, feature: column, row: i, expected: single.datatype });
          return value;
        }),
      );
      const shape = single.shape.length === 1 ? [rows.length] : [rows.length, featureColumns.length];
      return [
        {
          name: single.name,
          datatype: single.datatype,
          shape,
          data: checkedValues(single, values, (i) => ({
            feature: featureColumns[i % featureColumns.length] as string,
            row: Math.floor(i / featureColumns.length),
          })),
        },
      ];
    }
    const lists = rows.map((row, i) => {
      const value = row[single.name];
      if (!Array.isArray(value))
        throw inputInvalid(`Row ${i} lacks '${single.name}', the list of the model's feature values`, {
          input: single.name,
          row: i,
          expected: `a list of ${single.datatype}`,
        });
      return value as unknown[];
    });
    const width = lists[0]?.length ?? 0;
    if (lists.some((l) => l.length !== width))
      throw inputInvalid(`Every row's '${single.name}' must have ${width} values`, { input: single.name, expected: `${width} values` });
    return [
      {
        name: single.name,
        datatype: single.datatype,
        shape: [rows.length, width],
        data: checkedValues(single, lists.flat(), (i) => ({ row: Math.floor(i / Math.max(1, width)) })),
      },
    ];
  }
}

/** Values checked against the input's type now, so the error names the feature and row. */
function checkedValues(spec: TensorSpec, values: unknown[], describe: (index: number) => { feature?: string; row?: number }): TensorData['data'] {
  toOrtTensor(spec.name, spec.datatype, values, [values.length], describe);
  return values as TensorData['data'];
}

function checkShape(spec: TensorSpec, shape: readonly number[], length: number): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || size !== length)
    throw inputInvalid(`Input '${spec.name}' has shape [${shape.join(', ')}] but ${length} values`, {
      input: spec.name,
      expected: `[${spec.shape.join(', ')}]`,
    });
  const fits = shape.length === spec.shape.length && spec.shape.every((d, i) => d < 0 || d === shape[i]);
  if (!fits)
    throw inputInvalid(`Input '${spec.name}' has shape [${shape.join(', ')}]; the model takes [${spec.shape.join(', ')}] (-1: any size)`, {
      input: spec.name,
      expected: `[${spec.shape.join(', ')}]`,
      got: shape,
    });
}

function notServable(name: string, version: string, why: string): AquiferError {
  return new AquiferError('MODEL_NOT_SERVABLE', `${name} version ${version} cannot be served: ${why}`, {
    value: { model: name, version },
    hint: 'Serve ONNX models with tensor inputs and outputs.',
  });
}

/**
 * A feature with no value (null: an unknown entity, or a window with nothing in it) reaches a
 * floating-point input as NaN, as pandas hands a null to scikit-learn at training time (and as
 * scikit-learn's imputers and ONNX's Imputer expect); other input types refuse it.
 */
function isFloating(datatype: string): boolean {
  return datatype === 'FP32' || datatype === 'FP64';
}
