import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../src/storage/index.js';
import type { DeletionVectorDescriptor } from '../../../src/table/actions/index.js';
import { deletionVectorPath, DV_MAGIC, readDeletionVector, serializeDeletionVector } from '../../../src/table/deletion-vectors/deletion-vector.js';
import { uuidToZ85, z85Encode } from '../../../src/table/deletion-vectors/z85.js';

const PROTOCOL_INLINE_DV = 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L';

/** One deletion vector as stored in a DV file: big-endian size, the data, big-endian CRC-32 of the data. */
function frame(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, false);
  out.set(data, 4);
  view.setUint32(4 + data.length, crc32(data) >>> 0, false);
  return out;
}

/** A DV file: format version byte 1, then the framed vectors back to back. Returns the file and each vector's offset. */
function dvFile(vectors: Uint8Array[]): { bytes: Uint8Array; offsets: number[] } {
  const framed = vectors.map(frame);
  const bytes = new Uint8Array(1 + framed.reduce((n, f) => n + f.length, 0));
  bytes[0] = 1;
  const offsets: number[] = [];
  let at = 1;
  for (const f of framed) {
    offsets.push(at);
    bytes.set(f, at);
    at += f.length;
  }
  return { bytes, offsets };
}

describe('readDeletionVector', () => {
  let root: string;
  let store: LocalObjectStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-dv-'));
    store = new LocalObjectStore(root);
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** Write a 'u' DV file under an optional random prefix and describe its first vector. */
  async function writeUuidDv(
    rows: number[],
    options: { prefix?: string; bytes?: Uint8Array; data?: Uint8Array } = {},
  ): Promise<{ dv: DeletionVectorDescriptor; file: string }> {
    const prefix = options.prefix ?? '';
    const uuid = randomUUID();
    const data = options.data ?? serializeDeletionVector(rows);
    const bytes = options.bytes ?? dvFile([data]).bytes;
    const key = `${prefix === '' ? '' : `${prefix}/`}deletion_vector_${uuid}.bin`;
    await store.put(key, bytes);
    const dv: DeletionVectorDescriptor = {
      storageType: 'u',
      pathOrInlineDv: `${prefix}${uuidToZ85(uuid)}`,
      offset: 1,
      sizeInBytes: data.length,
      cardinality: rows.length,
    };
    return { dv, file: path.join(root, key) };
  }

  async function expectInvalid(dv: DeletionVectorDescriptor): Promise<void> {
    await expect(readDeletionVector(store, dv, 'test table')).rejects.toMatchObject({ code: 'TABLE_DELETION_VECTOR_INVALID' });
  }

  it('names the file of a relative-path vector from its prefix and UUID as PROTOCOL.md does', () => {
    const dv: DeletionVectorDescriptor = { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 4, sizeInBytes: 40, cardinality: 6 };
    expect(deletionVectorPath(dv)).toBe('ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin');
    expect(deletionVectorPath({ ...dv, pathOrInlineDv: '^-aqEH.-t@S}K{vb[*k^' })).toBe('deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin');
  });

  it('serializes the magic number little-endian before the 64-bit bitmap', () => {
    const bytes = serializeDeletionVector([1, 2, 3]);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)).toBe(DV_MAGIC);
    expect(DV_MAGIC).toBe(1681511377);
  });

  it('reads back a file-based vector written in the DV file format', async () => {
    const rows = [0, 3, 4, 7, 11, 18, 29, 70_000, 5_000_000_000];
    const { dv } = await writeUuidDv(rows);
    expect(await readDeletionVector(store, dv, 'test table')).toEqual(rows);
  });

  it('reads back a file-based vector stored under a random prefix folder', async () => {
    const rows = [2, 4, 6];
    const { dv } = await writeUuidDv(rows, { prefix: 'q7' });
    expect(await readDeletionVector(store, dv, 'test table')).toEqual(rows);
  });

  it('reads each of several vectors packed in one file by its offset', async () => {
    const first = [1, 2, 3];
    const second = Array.from({ length: 5000 }, (_, i) => i * 2);
    const third = [99];
    const uuid = randomUUID();
    const { bytes, offsets } = dvFile([first, second, third].map(serializeDeletionVector));
    await store.put(`deletion_vector_${uuid}.bin`, bytes);
    const rows = [first, second, third];
    for (const [i, expected] of rows.entries()) {
      const dv: DeletionVectorDescriptor = {
        storageType: 'u',
        pathOrInlineDv: uuidToZ85(uuid),
        offset: offsets[i] as number,
        sizeInBytes: serializeDeletionVector(expected).length,
        cardinality: expected.length,
      };
      expect(await readDeletionVector(store, dv, 'test table')).toEqual(expected);
    }
  });

  it('reads a vector with an empty row set', async () => {
    const { dv } = await writeUuidDv([]);
    expect(await readDeletionVector(store, dv, 'test table')).toEqual([]);
  });

  it('reads an absolute-path vector', async () => {
    const rows = [5, 6, 7];
    const { dv, file } = await writeUuidDv(rows);
    const absolute: DeletionVectorDescriptor = { ...dv, storageType: 'p', pathOrInlineDv: pathToFileURL(file).href };
    expect(await readDeletionVector(store, absolute, 'test table')).toEqual(rows);
  });

  it('reads an inline vector, ignoring the Z85 padding after sizeInBytes', async () => {
    const rows = [3, 4, 7, 11, 18, 29];
    const data = serializeDeletionVector(rows);
    const padded = new Uint8Array(Math.ceil(data.length / 4) * 4);
    padded.set(data);
    const dv: DeletionVectorDescriptor = { storageType: 'i', pathOrInlineDv: z85Encode(padded), sizeInBytes: data.length, cardinality: rows.length };
    expect(await readDeletionVector(store, dv, 'test table')).toEqual(rows);
  });

  it('reads an inline vector whose length needs padding to a multiple of 4', async () => {
    const rows = [3]; // 4 magic + 8 count + 4 key + 4 cookie + 4 size + 4 key/card + 4 offset + 2 value = 34 bytes
    const data = serializeDeletionVector(rows);
    expect(data.length % 4).not.toBe(0);
    const padded = new Uint8Array(Math.ceil(data.length / 4) * 4);
    padded.set(data);
    const dv: DeletionVectorDescriptor = { storageType: 'i', pathOrInlineDv: z85Encode(padded), sizeInBytes: data.length, cardinality: 1 };
    expect(await readDeletionVector(store, dv, 'test table')).toEqual(rows);
  });

  it('refuses the PROTOCOL.md inline example, whose bytes are not in the portable layout', async () => {
    // Its first four bytes read little-endian are not 1681511377 (see z85.test.ts); delta-spark refuses it too.
    const dv: DeletionVectorDescriptor = { storageType: 'i', pathOrInlineDv: PROTOCOL_INLINE_DV, sizeInBytes: 40, cardinality: 6 };
    await expectInvalid(dv);
  });

  it('refuses a file whose data has a flipped byte (CRC-32 mismatch)', async () => {
    const rows = [1, 2, 3, 100];
    const data = serializeDeletionVector(rows);
    const { bytes } = dvFile([data]);
    // Flip a byte inside the bitmap, after the version byte and the size.
    bytes[1 + 4 + data.length - 1] = (bytes[1 + 4 + data.length - 1] as number) ^ 0x01;
    const { dv } = await writeUuidDv(rows, { bytes });
    await expectInvalid(dv);
  });

  it('refuses a file whose stored checksum has a flipped byte', async () => {
    const rows = [1, 2, 3];
    const { bytes } = dvFile([serializeDeletionVector(rows)]);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0x80;
    const { dv } = await writeUuidDv(rows, { bytes });
    await expectInvalid(dv);
  });

  it('refuses a vector whose stored size differs from sizeInBytes in the log', async () => {
    const rows = [1, 2, 3];
    const { dv } = await writeUuidDv(rows);
    await expectInvalid({ ...dv, sizeInBytes: dv.sizeInBytes - 2 });
  });

  it('refuses a vector whose log sizeInBytes runs past the end of the file', async () => {
    const rows = [1, 2, 3];
    const { dv } = await writeUuidDv(rows);
    await expectInvalid({ ...dv, sizeInBytes: dv.sizeInBytes + 2 });
  });

  it('refuses a vector with the wrong magic number even when its CRC-32 is right', async () => {
    const rows = [1, 2, 3];
    const data = serializeDeletionVector(rows).slice();
    new DataView(data.buffer).setUint32(0, DV_MAGIC + 1, true);
    const { dv } = await writeUuidDv(rows, { data });
    await expectInvalid(dv);
  });

  it('refuses a vector with the magic number written big-endian', async () => {
    const rows = [1, 2, 3];
    const data = serializeDeletionVector(rows).slice();
    new DataView(data.buffer).setUint32(0, DV_MAGIC, false);
    const { dv } = await writeUuidDv(rows, { data });
    await expectInvalid(dv);
  });

  it('refuses a file with a format version other than 1', async () => {
    const rows = [1, 2, 3];
    const { bytes } = dvFile([serializeDeletionVector(rows)]);
    bytes[0] = 2;
    const { dv } = await writeUuidDv(rows, { bytes });
    await expectInvalid(dv);
  });

  it('refuses a truncated file', async () => {
    const rows = [1, 2, 3, 4000, 90_000];
    const { bytes } = dvFile([serializeDeletionVector(rows)]);
    for (const cut of [1, 4, 5, 12, bytes.length - 1]) {
      const { dv } = await writeUuidDv(rows, { bytes: bytes.subarray(0, bytes.length - cut) });
      await expectInvalid(dv);
    }
  });

  it('refuses an empty file', async () => {
    const { dv } = await writeUuidDv([1], { bytes: new Uint8Array(0) });
    await expectInvalid(dv);
  });

  it('refuses a vector whose bitmap is malformed even though size and CRC-32 match', async () => {
    const rows = [1, 2, 3];
    const valid = serializeDeletionVector(rows);
    const data = new Uint8Array(valid.length + 2);
    data.set(valid);
    data[data.length - 1] = 7; // two trailing bytes after the bitmap, not the zero padding Trino writes
    const { dv } = await writeUuidDv(rows, { data });
    await expectInvalid(dv);
  });

  it('reads the vectors Trino 476 writes, whose size and CRC-32 cover zero bytes after the bitmap', async () => {
    // The bytes Trino 476 wrote for DELETE ... WHERE id % 7 = 0 on 1,000 rows (the DV file after its version byte).
    const trino = Buffer.from(
      '00000142d1d339640100000000000000000000003a3000000100000000008e0010000000' +
        Array.from({ length: 143 }, (_, k) => Buffer.from([(k * 7) & 0xff, (k * 7) >> 8]).toString('hex')).join('') +
        '0000000010aea3e6',
      'hex',
    );
    const rows = Array.from({ length: 143 }, (_, k) => k * 7);
    const { dv } = await writeUuidDv(rows, { bytes: Buffer.concat([Buffer.from([1]), trino]), data: new Uint8Array(322) });
    expect(await readDeletionVector(store, dv, 'test table')).toEqual(rows);
  });

  it('refuses trailing bytes after the bitmap that are not all zero', async () => {
    const rows = [1, 2, 3];
    const valid = serializeDeletionVector(rows);
    const data = new Uint8Array(valid.length + 4);
    data.set(valid);
    data[data.length - 1] = 1;
    const { dv } = await writeUuidDv(rows, { data });
    await expectInvalid(dv);
  });

  it('refuses a vector holding more rows than the log cardinality says', async () => {
    const rows = [1, 2, 3];
    const { dv } = await writeUuidDv(rows);
    await expectInvalid({ ...dv, cardinality: 2 });
  });

  it('refuses a vector holding fewer rows than the log cardinality says', async () => {
    const rows = [1, 2, 3];
    const { dv } = await writeUuidDv(rows);
    await expectInvalid({ ...dv, cardinality: 4 });
  });

  it('refuses an inline vector with characters outside the Z85 alphabet', async () => {
    const dv: DeletionVectorDescriptor = { storageType: 'i', pathOrInlineDv: 'abcd"', sizeInBytes: 4, cardinality: 0 };
    await expectInvalid(dv);
  });

  it('refuses an inline vector shorter than the magic number', async () => {
    const dv: DeletionVectorDescriptor = { storageType: 'i', pathOrInlineDv: z85Encode(new Uint8Array(4)), sizeInBytes: 2, cardinality: 0 };
    await expectInvalid(dv);
  });

  it('reports a missing file as STORAGE_NOT_FOUND', async () => {
    const dv: DeletionVectorDescriptor = { storageType: 'u', pathOrInlineDv: uuidToZ85(randomUUID()), offset: 1, sizeInBytes: 34, cardinality: 1 };
    await expect(readDeletionVector(store, dv, 'test table')).rejects.toMatchObject({ code: 'STORAGE_NOT_FOUND' });
  });
});
