import * as ort from 'onnxruntime-node';
import { AquiferError } from '../../errors.js';

/** The Open Inference Protocol's tensor data types (KServe v2). */
export const OIP_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

/** A model input or output as the Open Inference Protocol describes it; -1 marks a dimension of any size. */
export interface TensorSpec {
  name: string;
  datatype: OipDatatype;
  shape: number[];
}

/** A tensor's values, flat in row-major order, as the Open Inference Protocol's JSON carries them. */
export interface TensorData extends TensorSpec {
  data: (number | string | boolean)[];
}

const TO_OIP: Record<string, OipDatatype> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

const TO_ORT = Object.fromEntries(Object.entries(TO_OIP).map(([ortType, oip]) => [oip, ortType])) as Record<OipDatatype, ort.Tensor.Type>;

/** The OIP datatype of an ONNX Runtime element type; undefined for one OIP has no name for (int4, float8 …). */
export function oipDatatype(ortType: string): OipDatatype | undefined {
  return TO_OIP[ortType];
}

/** ONNX Runtime's dimensions (a name or '' for a symbolic one) as OIP's (-1). */
export function oipShape(dims: readonly (number | string)[]): number[] {
  return dims.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
}

/** What a feature value failed to be: the model input, the feature column (if one), the row, the type wanted. */
export function inputInvalid(message: string, value: { input: string; feature?: string; row?: number; expected?: string; got?: unknown }): AquiferError {
  return new AquiferError('MODEL_INPUT_INVALID', message, {
    value,
    hint: 'Send every feature the model reads, with values of its input type (GET /v2/models/{name} lists the inputs).',
  });
}

/**
 * An ONNX Runtime tensor of `datatype` from flat JS values, each checked: numbers for the
 * numeric types (whole ones for the integer types), booleans for BOOL, strings for BYTES.
 * `describe(i)` names the feature and row of the i-th value for the error.
 */
export function toOrtTensor(
  input: string,
  datatype: OipDatatype,
  values: readonly unknown[],
  shape: readonly number[],
  describe: (index: number) => { feature?: string; row?: number } = () => ({}),
): ort.Tensor {
  const fail = (i: number, expected: string) =>
    inputInvalid(`Input '${input}'${where(describe(i))}: expected ${expected}, got ${JSON.stringify(values[i] ?? null)}`, {
      input,
      ...describe(i),
      expected: datatype,
      got: values[i] ?? null,
    });
  const type = TO_ORT[datatype];
  switch (datatype) {
    case 'BOOL':
      return new ort.Tensor(
        'bool',
        values.map((v, i) => (typeof v === 'boolean' ? v : typeof v === 'number' && (v === 0 || v === 1) ? v === 1 : throwError(fail(i, 'a boolean')))),
        shape,
      );
    case 'BYTES':
      return new ort.Tensor(
        'string',
        values.map((v, i) => (typeof v === 'string' ? v : throwError(fail(i, 'a string')))),
        shape,
      );
    case 'INT64':
    case 'UINT64': {
      const data = datatype === 'INT64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
      values.forEach((v, i) => {
        data[i] =
          typeof v === 'number' && Number.isInteger(v)
            ? BigInt(v)
            : typeof v === 'string' && /^-?\d+$/.test(v)
              ? BigInt(v)
              : throwError(fail(i, 'a whole number'));
      });
      return new ort.Tensor(type, data, shape);
    }
    default: {
      const integer = datatype.startsWith('INT') || datatype.startsWith('UINT');
      const numbers = values.map((v, i) =>
        typeof v === 'number' && (integer ? Number.isInteger(v) : Number.isFinite(v) || Number.isNaN(v)) ? v : throwError(fail(i, integer ? 'a whole number' : 'a number')),
      );
      if (datatype === 'FP16') throw inputInvalid(`Input '${input}' is FP16, which Aquifer cannot feed`, { input, expected: datatype });
      const Array = ARRAYS[type as keyof typeof ARRAYS];
      return new ort.Tensor(type, Array.from(numbers), shape);
    }
  }
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint32: Uint32Array,
  uint16: Uint16Array,
  uint8: Uint8Array,
};

/** A tensor's values as JSON can carry them: 64-bit integers as numbers while they are exact, as text beyond. */
export function fromOrtTensor(name: string, tensor: ort.Tensor): TensorData {
  const datatype = oipDatatype(tensor.type) ?? 'BYTES';
  const data = Array.from(tensor.data as ArrayLike<number | bigint | string | boolean>).map((v) =>
    typeof v === 'bigint' ? (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v,
  );
  // ONNX Runtime hands bool tensors back as bytes.
  return { name, datatype, shape: [...tensor.dims], data: datatype === 'BOOL' ? data.map((v) => v === true || v === 1) : data };
}

/** Per-row values of a tensor whose first dimension is the batch: a scalar per row for [N], a nested list per row otherwise. */
export function rowsOf(tensor: TensorData): unknown[] {
  const [rows = 0, ...inner] = tensor.shape;
  if (inner.length === 0) return tensor.data;
  const nest = (data: readonly unknown[], dims: readonly number[]): unknown[] => {
    if (dims.length === 1) return [...data];
    const size = data.length / (dims[0] as number);
    return Array.from({ length: dims[0] as number }, (_, i) => nest(data.slice(i * size, (i + 1) * size), dims.slice(1)));
  };
  return nest(tensor.data, [rows, ...inner]);
}

function where(at: { feature?: string; row?: number }): string {
  return `${at.feature === undefined ? '' : `, feature '${at.feature}'`}${at.row === undefined ? '' : `, row ${at.row}`}`;
}

function throwError(error: Error): never {
  throw error;
}
