import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeRoaring64, encodeRoaring64, RoaringFormatError } from '../../../src/table/deletion-vectors/roaring.js';

const TWO_32 = 4294967296;

/** Values a..b inclusive. */
function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

function roundTrip(values: number[]): number[] {
  return decodeRoaring64(encodeRoaring64(values));
}

/** The 32-bit bitmap's cookie of the first bucket: after the 8-byte bucket count and the 4-byte high key. */
function firstCookie(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
}

function expectFormatError(bytes: Uint8Array): void {
  expect(() => decodeRoaring64(bytes)).toThrow(RoaringFormatError);
}

describe('encodeRoaring64 / decodeRoaring64', () => {
  it('round-trips an empty bitmap as a zero bucket count and nothing else', () => {
    const bytes = encodeRoaring64([]);
    expect([...bytes]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeRoaring64(bytes)).toEqual([]);
  });

  it('round-trips sparse values spread over several containers of one bucket', () => {
    const values = [0, 1, 5, 1000, 65535, 65536, 65537, 1_000_000, 2_147_483_648, TWO_32 - 1];
    expect(roundTrip(values)).toEqual(values);
  });

  it('round-trips a single value', () => {
    expect(roundTrip([42])).toEqual([42]);
  });

  it('round-trips more than 4096 scattered values of one container as a bitset', () => {
    // Every other value: no runs to exploit and too many for an array container.
    const values = range(0, 19_998, 2);
    expect(values.length).toBeGreaterThan(4096);
    const bytes = encodeRoaring64(values);
    expect(bytes.length).toBeGreaterThanOrEqual(8192);
    expect(firstCookie(bytes)).toBe(12346);
    expect(decodeRoaring64(bytes)).toEqual(values);
  });

  it('round-trips exactly 4096 and 4097 scattered values (the array/bitset boundary)', () => {
    const atLimit = range(0, 4095 * 3, 3);
    expect(atLimit).toHaveLength(4096);
    expect(roundTrip(atLimit)).toEqual(atLimit);
    const overLimit = range(0, 4096 * 3, 3);
    expect(overLimit).toHaveLength(4097);
    expect(roundTrip(overLimit)).toEqual(overLimit);
  });

  it('round-trips long runs as run containers', () => {
    const values = [...range(10, 60_009), ...range(70_000, 200_000)];
    const bytes = encodeRoaring64(values);
    // Runs take a few bytes per container, far less than arrays or bitsets would.
    expect(bytes.length).toBeLessThan(100);
    expect(firstCookie(bytes) & 0xffff).toBe(12347);
    expect(decodeRoaring64(bytes)).toEqual(values);
  });

  it('round-trips a full container (all 65536 values) as one run', () => {
    const values = range(0, 65535);
    const bytes = encodeRoaring64(values);
    expect(bytes.length).toBeLessThan(40);
    expect(decodeRoaring64(bytes)).toEqual(values);
  });

  it('round-trips a mix of run, array and bitset containers in one bucket (four or more containers carry offsets)', () => {
    const values = [
      ...range(0, 3000), // run
      ...[65536 + 7, 65536 + 99, 65536 + 5000], // array
      ...range(2 * 65536, 2 * 65536 + 20_000, 3), // bitset
      ...range(3 * 65536 + 100, 3 * 65536 + 40_000), // run
      4 * 65536 + 1, // array
    ];
    expect(roundTrip(values)).toEqual(values);
  });

  it('round-trips runs in fewer than four containers (no offset header)', () => {
    const values = [...range(0, 1000), 65536 + 3, ...range(2 * 65536, 2 * 65536 + 500)];
    expect(roundTrip(values)).toEqual(values);
  });

  it('round-trips values above 2^32 into several buckets, in ascending order', () => {
    const values = [3, TWO_32 - 1, TWO_32, TWO_32 + 5, 2 * TWO_32 + 65536, 7 * TWO_32 + 123_456, Number.MAX_SAFE_INTEGER];
    const bytes = encodeRoaring64(values);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getBigUint64(0, true)).toBe(5n);
    expect(decodeRoaring64(bytes)).toEqual(values);
  });

  it('round-trips a run that crosses a container boundary', () => {
    const values = range(65_000, 140_000);
    expect(roundTrip(values)).toEqual(values);
  });
});

/**
 * The reference serializations published with the format specification
 * (github.com/RoaringBitmap/RoaringFormatSpec, testdata/ and testdata64/), identified by
 * their SHA-256: encoding the same values must give exactly those bytes.
 */
describe('compatibility with the RoaringFormatSpec reference files', () => {
  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('encodes testdata/bitmapwithruns.bin (Java, run-optimized) byte for byte as the 32-bit bitmap of bucket 0', () => {
    const values: number[] = [];
    for (let k = 0; k < 100_000; k += 1000) values.push(k);
    for (let k = 100_000; k < 200_000; k++) values.push(3 * k);
    for (let k = 700_000; k < 800_000; k++) values.push(k);
    values.sort((a, b) => a - b);
    const bytes = encodeRoaring64(values);
    const bitmap32 = bytes.subarray(12);
    expect(bitmap32).toHaveLength(48_056);
    expect(sha256(bitmap32)).toBe('1f1909bfdd354fa2f0694fe88b8076833ca5383ad9fc3f68f2709c84a2ab70e3');
    expect(decodeRoaring64(bytes)).toEqual(values);
  });

  it('encodes testdata64/portable_bitmap64.bin (CRoaring, portable 64-bit) byte for byte', () => {
    const values: number[] = [];
    for (let bucket = 0; bucket < 2; bucket++) {
      const base = bucket * TWO_32;
      for (let v = 0; v <= 0x9000; v++) values.push(base + v);
      for (let v = 0xa000; v <= 0x10000; v++) values.push(base + v);
      values.push(base + 0x20000, base + 0x20005);
      for (let v = 0; v < 0x10000; v += 2) values.push(base + 0x80000 + v);
    }
    values.sort((a, b) => a - b);
    const bytes = encodeRoaring64(values);
    expect(bytes).toHaveLength(16_506);
    expect(sha256(bytes)).toBe('b5a553a759167f5f9ccb3fa21552d943b4c73235635b753376f4faf62067d178');
    expect(decodeRoaring64(bytes)).toEqual(values);
  });
});

describe('decodeRoaring64 rejects malformed input', () => {
  const sample = [1, 2, 3, 100, 65536 + 9, ...range(3 * 65536, 3 * 65536 + 300), TWO_32 + 17];

  it('rejects every strict prefix of a valid bitmap with RoaringFormatError', () => {
    const bytes = encodeRoaring64(sample);
    for (let length = 0; length < bytes.length; length++) {
      expectFormatError(bytes.subarray(0, length));
    }
  });

  it('rejects a truncated bitset container', () => {
    const bytes = encodeRoaring64(range(0, 19_998, 2));
    expectFormatError(bytes.subarray(0, bytes.length - 100));
  });

  it('rejects an unknown cookie', () => {
    const bytes = encodeRoaring64([1, 2, 3]).slice();
    new DataView(bytes.buffer).setUint32(12, 0xdeadbeef, true);
    expectFormatError(bytes);
  });

  it('rejects container keys that are not strictly ascending', () => {
    // Two array containers (keys 3 and 5) without runs: cookie, size, then key/cardinality pairs at 20 and 24.
    const bytes = encodeRoaring64([3 * 65536 + 1, 5 * 65536 + 1]).slice();
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(12, true)).toBe(12346);
    expect(view.getUint16(20, true)).toBe(3);
    expect(view.getUint16(24, true)).toBe(5);
    view.setUint16(20, 5, true);
    view.setUint16(24, 3, true);
    expectFormatError(bytes);
  });

  it('rejects duplicate container keys', () => {
    const bytes = encodeRoaring64([3 * 65536 + 1, 5 * 65536 + 1]).slice();
    new DataView(bytes.buffer).setUint16(24, 3, true);
    expectFormatError(bytes);
  });

  it('rejects bucket keys that are not strictly ascending', () => {
    const single = encodeRoaring64([1]);
    const bytes = encodeRoaring64([1, TWO_32 + 1]).slice();
    const view = new DataView(bytes.buffer);
    // Bucket 0's key is at 8; bucket 1's key follows bucket 0's 32-bit bitmap, at the single-bucket length.
    expect(view.getUint32(8, true)).toBe(0);
    expect(view.getUint32(single.length, true)).toBe(1);
    view.setUint32(8, 1, true);
    view.setUint32(single.length, 0, true);
    expectFormatError(bytes);
  });

  it('rejects array container values that are not strictly ascending', () => {
    const bytes = encodeRoaring64([10, 20]).slice();
    // Last four bytes are the two 16-bit values of the only array container.
    const view = new DataView(bytes.buffer);
    view.setUint16(bytes.length - 4, 20, true);
    view.setUint16(bytes.length - 2, 10, true);
    expectFormatError(bytes);
  });

  it('rejects a bitset whose population differs from its header cardinality', () => {
    const bytes = encodeRoaring64(range(0, 19_998, 2)).slice();
    // Clear one set bit in the bitset (the last 8192 bytes): value 0.
    bytes[bytes.length - 8192] = 0;
    expectFormatError(bytes);
  });

  it('rejects trailing bytes after the bitmap', () => {
    for (const values of [[], [1, 2, 3], sample]) {
      const bytes = encodeRoaring64(values);
      const padded = new Uint8Array(bytes.length + 1);
      padded.set(bytes);
      expectFormatError(padded);
    }
  });

  it('accepts trailing zero bytes only when told to, and never a non-zero one', () => {
    const bytes = encodeRoaring64([1, 2, 3]);
    const pad = (tail: number[]) => new Uint8Array([...bytes, ...tail]);
    for (const zeros of [1, 4, 127]) expect(decodeRoaring64(pad(new Array<number>(zeros).fill(0)), { allowZeroPadding: true })).toEqual([1, 2, 3]);
    expect(() => decodeRoaring64(pad([0, 0, 0, 0]))).toThrow(RoaringFormatError);
    for (const tail of [[1], [0, 0, 0, 1], [0, 2, 0, 0]]) expect(() => decodeRoaring64(pad(tail), { allowZeroPadding: true })).toThrow(RoaringFormatError);
  });

  it('rejects an implausible bucket count', () => {
    const bytes = encodeRoaring64([1]).slice();
    new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
    expectFormatError(bytes);
  });

  it('rejects a bucket key beyond 2^53', () => {
    const bytes = encodeRoaring64([1]).slice();
    new DataView(bytes.buffer).setUint32(8, 0x200000, true);
    expectFormatError(bytes);
  });

  it('decodes a bitmap held in a subarray at a non-zero offset of a larger buffer', () => {
    const bytes = encodeRoaring64(sample);
    const holder = new Uint8Array(bytes.length + 7);
    holder.set(bytes, 3);
    expect(decodeRoaring64(holder.subarray(3, 3 + bytes.length))).toEqual(sample);
  });
});
