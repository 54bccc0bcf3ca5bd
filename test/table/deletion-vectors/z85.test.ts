import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeRoaring64 } from '../../../src/table/deletion-vectors/roaring.js';
import { uuidFromZ85, uuidToZ85, z85Decode, z85Encode, Z85Error } from '../../../src/table/deletion-vectors/z85.js';

/** The inline deletion vector of PROTOCOL.md, "Deletion Vector Descriptor", JSON Example 3. */
const PROTOCOL_INLINE_DV = 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Deterministic pseudo-random bytes (a linear congruential generator), so a failure reproduces. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe('z85Encode / z85Decode', () => {
  it('encodes and decodes the ZeroMQ RFC 32 test vector', () => {
    const bytes = Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    expect(z85Encode(bytes)).toBe('HelloWorld');
    expect([...z85Decode('HelloWorld')]).toEqual([...bytes]);
  });

  it('round-trips empty input', () => {
    expect(z85Encode(new Uint8Array(0))).toBe('');
    expect(z85Decode('')).toHaveLength(0);
  });

  it('round-trips all-zero and all-0xff groups (the alphabet ends)', () => {
    const zeros = new Uint8Array(8);
    const ones = new Uint8Array(8).fill(0xff);
    expect(z85Encode(zeros)).toBe('0000000000');
    expect(z85Encode(ones)).toBe('%nSc0%nSc0');
    expect([...z85Decode(z85Encode(ones))]).toEqual([...ones]);
  });

  it('round-trips pseudo-random byte strings of many lengths', () => {
    for (let length = 0; length <= 256; length += 4) {
      const bytes = pseudoRandomBytes(length, length + 1);
      const text = z85Encode(bytes);
      expect(text).toHaveLength((length / 4) * 5);
      expect(hex(z85Decode(text))).toBe(hex(bytes));
    }
  });

  it('round-trips text back to the same text', () => {
    expect(z85Encode(z85Decode(PROTOCOL_INLINE_DV))).toBe(PROTOCOL_INLINE_DV);
  });

  it('refuses to encode a length that is not a multiple of 4', () => {
    expect(() => z85Encode(new Uint8Array(3))).toThrow(Z85Error);
    expect(() => z85Encode(new Uint8Array(5))).toThrow(Z85Error);
  });

  it('refuses to decode a length that is not a multiple of 5', () => {
    expect(() => z85Decode('Hello1')).toThrow(Z85Error);
    expect(() => z85Decode('Hell')).toThrow(Z85Error);
  });

  it('refuses characters outside the Z85 alphabet', () => {
    for (const text of ['Hell"', 'Hell~', 'Hell,', 'Hell\\', "Hell'", 'Hell ', 'Hellé', 'Hell\u0000']) {
      expect(() => z85Decode(text), text).toThrow(Z85Error);
    }
  });

  it('refuses a group whose value overflows 32 bits', () => {
    // '%nSc0' is 0xffffffff; '%nSc1' is one more.
    expect(hex(z85Decode('%nSc0'))).toBe('ffffffff');
    expect(() => z85Decode('%nSc1')).toThrow(Z85Error);
    expect(() => z85Decode('#####')).toThrow(Z85Error);
  });
});

describe('the PROTOCOL.md inline deletion vector example', () => {
  it('decodes to the 40 documented bytes', () => {
    const bytes = z85Decode(PROTOCOL_INLINE_DV);
    expect(bytes).toHaveLength(40);
    expect(hex(bytes)).toBe('6439d3d0' + '00000001' + '0000001c' + '3a300000' + '01000000' + '00000500' + '10000000' + '030004000700' + '0b0012001d00');
  });

  it('holds, after its 12-byte header, a portable 32-bit bitmap of the rows 3, 4, 7, 11, 18, 29', () => {
    // The example's header is the big-endian "native" RoaringBitmapArray layout (magic
    // 1681511376, bitmap count 1, bitmap size 28), not the portable layout with magic
    // 1681511377 little-endian; its single 32-bit bitmap is standard. Wrap that bitmap in
    // a one-bucket 64-bit bitmap to read it.
    const bytes = z85Decode(PROTOCOL_INLINE_DV);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(0, false)).toBe(1681511376);
    expect(view.getUint32(8, false)).toBe(28);
    const bitmap32 = bytes.subarray(12);
    expect(bitmap32).toHaveLength(28);
    const wrapped = new Uint8Array(12 + bitmap32.length);
    new DataView(wrapped.buffer).setBigUint64(0, 1n, true); // one bucket, high key 0
    wrapped.set(bitmap32, 12);
    expect(decodeRoaring64(wrapped)).toEqual([3, 4, 7, 11, 18, 29]);
  });
});

describe('uuidToZ85 / uuidFromZ85', () => {
  it('reads the UUID of the PROTOCOL.md relative-path example', () => {
    // "ab^-aqEH.-t@S}K{vb[*k^": prefix "ab", then the 20-character encoded UUID.
    expect(uuidFromZ85('^-aqEH.-t@S}K{vb[*k^')).toBe('d2c639aa-8816-431a-aaf6-d3fe2512ff61');
    expect(uuidToZ85('d2c639aa-8816-431a-aaf6-d3fe2512ff61')).toBe('^-aqEH.-t@S}K{vb[*k^');
  });

  it('round-trips UUIDs, including the nil and max UUIDs', () => {
    for (const uuid of [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '123e4567-e89b-12d3-a456-426614174000',
      randomUUID(),
      randomUUID(),
    ]) {
      const encoded = uuidToZ85(uuid);
      expect(encoded).toHaveLength(20);
      expect(uuidFromZ85(encoded)).toBe(uuid);
    }
  });

  it('refuses encoded UUID text with characters outside the alphabet', () => {
    expect(() => uuidFromZ85('^-aqEH.-t@S}K{vb[*k"')).toThrow(Z85Error);
  });
});
