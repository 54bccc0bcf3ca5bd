import { AquiferError } from '../../errors.js';
import type { OipDatatype, TensorData } from './tensors.js';

/**
 * Bytes per element of each datatype in the binary tensor data extension (Triton's
 * `binary_tensor_data`): little-endian, row-major, no padding; BOOL is one byte. BYTES has no
 * fixed size: each element is a 4-byte little-endian length and that many bytes.
 */
export const OIP_ELEMENT_BYTES: Readonly<Record<Exclude<OipDatatype, 'BYTES'>, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

/** The number of elements a shape holds. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * A tensor's values from its binary data, as the JSON form carries them (so one path checks
 * and feeds both): numbers, 64-bit integers beyond a double's exact range as text, booleans,
 * BYTES elements as UTF-8 text. `field` names the input for errors. The bytes must hold
 * exactly the elements the shape says, no more and no fewer.
 */
export function decodeBinaryTensor(field: string, datatype: OipDatatype, shape: readonly number[], bytes: Buffer): TensorData['data'] {
  const count = elementCount(shape);
  if (datatype === 'BYTES') return decodeBytes(field, count, bytes);
  const size = OIP_ELEMENT_BYTES[datatype];
  if (bytes.length !== count * size)
    throw sizeInvalid(field, `${bytes.length} bytes of ${datatype} do not hold shape [${shape.join(', ')}] (${count} elements of ${size} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TensorData['data'] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = readElement(view, datatype, i * size);
  return out;
}

/** The binary data of a tensor as `decodeBinaryTensor` reads it back (outputs asked for with `binary_data`). */
export function encodeBinaryTensor(tensor: TensorData): Buffer {
  if (tensor.datatype === 'BYTES') {
    const parts = tensor.data.flatMap((v) => {
      const text = Buffer.from(String(v), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      return [length, text];
    });
    return Buffer.concat(parts);
  }
  const size = OIP_ELEMENT_BYTES[tensor.datatype];
  const out = Buffer.alloc(tensor.data.length * size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  tensor.data.forEach((v, i) => writeElement(view, tensor.datatype, i * size, v));
  return out;
}

function readElement(view: DataView, datatype: OipDatatype, at: number): number | string | boolean {
  switch (datatype) {
    case 'BOOL':
      return view.getUint8(at) !== 0;
    case 'UINT8':
      return view.getUint8(at);
    case 'INT8':
      return view.getInt8(at);
    case 'UINT16':
      return view.getUint16(at, true);
    case 'INT16':
      return view.getInt16(at, true);
    case 'FP16':
      return halfToNumber(view.getUint16(at, true));
    case 'UINT32':
      return view.getUint32(at, true);
    case 'INT32':
      return view.getInt32(at, true);
    case 'FP32':
      return view.getFloat32(at, true);
    case 'FP64':
      return view.getFloat64(at, true);
    case 'UINT64':
    case 'INT64': {
      const v = datatype === 'INT64' ? view.getBigInt64(at, true) : view.getBigUint64(at, true);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    }
    default:
      throw new Error(`no fixed size for ${datatype}`);
  }
}

function writeElement(view: DataView, datatype: OipDatatype, at: number, v: number | string | boolean): void {
  const n = Number(v);
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return view.setUint8(at, n);
    case 'INT8':
      return view.setInt8(at, n);
    case 'UINT16':
    case 'FP16':
      // ONNX Runtime hands float16 outputs back as their raw 16 bits.
      return view.setUint16(at, n, true);
    case 'INT16':
      return view.setInt16(at, n, true);
    case 'UINT32':
      return view.setUint32(at, n, true);
    case 'INT32':
      return view.setInt32(at, n, true);
    case 'FP32':
      return view.setFloat32(at, n, true);
    case 'FP64':
      return view.setFloat64(at, n, true);
    case 'INT64':
      return view.setBigInt64(at, BigInt(v), true);
    case 'UINT64':
      return view.setBigUint64(at, BigInt(v), true);
    default:
      throw new Error(`no fixed size for ${datatype}`);
  }
}

function decodeBytes(field: string, count: number, bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw sizeInvalid(field, `BYTES element ${out.length} has a cut-off length prefix`);
    const length = bytes.readUInt32LE(at);
    if (at + 4 + length > bytes.length) throw sizeInvalid(field, `BYTES element ${out.length} says ${length} bytes, but fewer remain`);
    out.push(bytes.toString('utf8', at + 4, at + 4 + length));
    at += 4 + length;
    if (out.length > count) break;
  }
  if (out.length !== count)
    throw sizeInvalid(field, `the binary data holds ${out.length === count + 1 ? 'more than' : out.length} BYTES elements, the shape ${count}`);
  return out;
}

/** An IEEE 754 half-precision value from its 16 bits. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function sizeInvalid(field: string, message: string): AquiferError {
  return new AquiferError('MODEL_REQUEST_INVALID', `"${field}": ${message}`, {
    value: { field },
    hint: 'Send each binary input as shape × datatype size bytes (BYTES: a 4-byte little-endian length before each element), in the order of "inputs", with parameters.binary_data_size its byte count.',
  });
}
