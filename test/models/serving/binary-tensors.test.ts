import { describe, expect, it } from 'vitest';
import { decodeBinaryTensor, encodeBinaryTensor, OIP_ELEMENT_BYTES, type TensorData } from '../../../src/models/index.js';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('binary tensor data', () => {
  it('reads every fixed-size datatype little-endian, as JSON carries the values, and writes it back byte for byte', () => {
    const tensors: TensorData[] = [
      { name: 'b', datatype: 'BOOL', shape: [3], data: [true, false, true] },
      { name: 'u8', datatype: 'UINT8', shape: [2], data: [0, 255] },
      { name: 'i8', datatype: 'INT8', shape: [2], data: [-128, 127] },
      { name: 'u16', datatype: 'UINT16', shape: [2], data: [1, 65_535] },
      { name: 'i16', datatype: 'INT16', shape: [2], data: [-2, 300] },
      { name: 'u32', datatype: 'UINT32', shape: [1, 2], data: [7, 4_000_000_000] },
      { name: 'i32', datatype: 'INT32', shape: [2, 1], data: [-7, 2_000_000_000] },
      { name: 'i64', datatype: 'INT64', shape: [3], data: [-1, 2 ** 53 - 1, '-9223372036854775808'] },
      { name: 'u64', datatype: 'UINT64', shape: [2], data: [3, '18446744073709551615'] },
      { name: 'f32', datatype: 'FP32', shape: [2, 2], data: [0.5, -1.25, Math.fround(0.1), Number.NaN] },
      { name: 'f64', datatype: 'FP64', shape: [2], data: [0.1, -1e300] },
    ];
    for (const tensor of tensors) {
      const bytes = encodeBinaryTensor(tensor);
      expect(bytes.length, tensor.name).toBe(tensor.data.length * OIP_ELEMENT_BYTES[tensor.datatype as keyof typeof OIP_ELEMENT_BYTES]);
      expect(decodeBinaryTensor(tensor.name, tensor.datatype, tensor.shape, bytes), tensor.name).toEqual(tensor.data);
    }
    expect([...encodeBinaryTensor({ name: 'x', datatype: 'INT32', shape: [1], data: [1] })]).toEqual([1, 0, 0, 0]);
    expect(decodeBinaryTensor('x', 'FP16', [2], Buffer.from([0x00, 0x3c, 0x00, 0xc0]))).toEqual([1, -2]);
  });

  it('reads BYTES as length-prefixed UTF-8 elements', () => {
    const tensor: TensorData = { name: 's', datatype: 'BYTES', shape: [3], data: ['héllo', '', 'x'] };
    const bytes = encodeBinaryTensor(tensor);
    expect(bytes.length).toBe(3 * 4 + Buffer.byteLength('héllo') + 1);
    expect(decodeBinaryTensor('s', 'BYTES', [3], bytes)).toEqual(tensor.data);
  });

  it('refuses bytes that do not hold exactly the shape with MODEL_REQUEST_INVALID', () => {
    expect(codeOf(() => decodeBinaryTensor('x', 'FP32', [3], Buffer.alloc(8)))).toBe('MODEL_REQUEST_INVALID');
    expect(codeOf(() => decodeBinaryTensor('x', 'INT64', [1], Buffer.alloc(4)))).toBe('MODEL_REQUEST_INVALID');
    expect(codeOf(() => decodeBinaryTensor('x', 'BYTES', [2], Buffer.from([1, 0, 0, 0, 65])))).toBe('MODEL_REQUEST_INVALID');
    expect(codeOf(() => decodeBinaryTensor('x', 'BYTES', [0], Buffer.from([0, 0, 0, 0])))).toBe('MODEL_REQUEST_INVALID');
    expect(decodeBinaryTensor('x', 'FP32', [0, 3], Buffer.alloc(0))).toEqual([]);
  });
});
