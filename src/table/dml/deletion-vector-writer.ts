import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { ObjectStore } from '../../storage/index.js';
import type { DeletionVectorDescriptor } from '../actions/index.js';
import { deletionVectorPath, serializeDeletionVector, uuidToZ85 } from '../deletion-vectors/index.js';

/**
 * Write several deletion vectors into one new file, as the protocol lays it out: a
 * format-version byte, then per vector its size (big-endian), the serialized bitmap
 * (magic number + 64-bit RoaringBitmap) and its CRC-32. Returns one 'u' (relative, by
 * UUID) descriptor per vector, in order. The file is new and uniquely named, so a
 * crash leaves at most an unreferenced file for vacuum.
 */
export async function writeDeletionVectors(store: ObjectStore, vectors: readonly (readonly number[])[]): Promise<DeletionVectorDescriptor[]> {
  if (vectors.length === 0) return [];
  const uuid = randomUUID();
  const descriptors: DeletionVectorDescriptor[] = [];
  const chunks: Uint8Array[] = [Uint8Array.of(1)];
  let offset = 1;
  for (const rows of vectors) {
    const bitmap = serializeDeletionVector(rows);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, bitmap.length, false);
    const checksum = new Uint8Array(4);
    new DataView(checksum.buffer).setUint32(0, crc32(bitmap) >>> 0, false);
    chunks.push(header, bitmap, checksum);
    descriptors.push({ storageType: 'u', pathOrInlineDv: uuidToZ85(uuid), offset, sizeInBytes: bitmap.length, cardinality: rows.length });
    offset += 8 + bitmap.length;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  await store.put(deletionVectorPath(descriptors[0] as DeletionVectorDescriptor), bytes);
  return descriptors;
}
