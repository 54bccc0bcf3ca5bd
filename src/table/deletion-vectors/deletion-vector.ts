import { promises as fs } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { ObjectStore } from '../../storage/index.js';
import type { DeletionVectorDescriptor } from '../actions/index.js';
import { DeletionVectorInvalidError } from '../errors.js';
import { resolveLogPath } from '../paths/index.js';
import { decodeRoaring64, encodeRoaring64, RoaringFormatError } from './roaring.js';
import { uuidFromZ85, z85Decode, Z85Error } from './z85.js';

export const DV_MAGIC = 1681511377;

/** The relative path of a 'u' deletion vector: `<random prefix>/deletion_vector_<uuid>.bin`. */
export function deletionVectorPath(dv: DeletionVectorDescriptor): string {
  const encoded = dv.pathOrInlineDv;
  const prefix = encoded.slice(0, encoded.length - 20);
  const uuid = uuidFromZ85(encoded.slice(-20));
  return `${prefix === '' ? '' : `${prefix}/`}deletion_vector_${uuid}.bin`;
}

/**
 * The row indexes (ascending) a deletion vector removes from its data file.
 * Every check the format allows is made: file version, size, CRC-32, magic, bitmap
 * structure and cardinality.
 */
export async function readDeletionVector(store: ObjectStore, dv: DeletionVectorDescriptor, location: string): Promise<number[]> {
  let where = location;
  try {
    let bitmap: Uint8Array;
    if (dv.storageType === 'i') {
      bitmap = z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
    } else {
      const resolved = dv.storageType === 'u' ? { store, key: deletionVectorPath(dv) } : resolveLogPath(store, dv.pathOrInlineDv, location);
      where = `${resolved.store.url}/${resolved.key}`;
      const offset = dv.offset ?? 0;
      const read = await immutableReader(resolved.store, resolved.key);
      const head = await read(0, 1);
      if (head[0] !== 1) throw new DeletionVectorInvalidError(`Deletion vector file ${where} has format version ${head[0]}, expected 1`, where);
      const region = await read(offset, 4 + dv.sizeInBytes + 4);
      if (region.length !== 8 + dv.sizeInBytes) throw new DeletionVectorInvalidError(`Deletion vector file ${where} is truncated at offset ${offset}`, where);
      const view = new DataView(region.buffer, region.byteOffset, region.byteLength);
      const size = view.getUint32(0, false);
      if (size !== dv.sizeInBytes)
        throw new DeletionVectorInvalidError(`Deletion vector at ${where}@${offset} has size ${size}, the log says ${dv.sizeInBytes}`, where);
      bitmap = region.subarray(4, 4 + size);
      const checksum = view.getUint32(4 + size, false);
      if (crc32(bitmap) >>> 0 !== checksum) throw new DeletionVectorInvalidError(`Deletion vector at ${where}@${offset} fails its CRC-32 check`, where);
    }
    if (bitmap.length < 4) throw new DeletionVectorInvalidError(`Deletion vector at ${where} is too short`, where);
    const magic = new DataView(bitmap.buffer, bitmap.byteOffset, 4).getUint32(0, true);
    if (magic !== DV_MAGIC) throw new DeletionVectorInvalidError(`Deletion vector at ${where} has magic ${magic}, expected ${DV_MAGIC}`, where);
    const rows = decodeRoaring64(bitmap.subarray(4), { allowZeroPadding: true });
    if (rows.length !== dv.cardinality) {
      throw new DeletionVectorInvalidError(`Deletion vector at ${where} holds ${rows.length} rows, the log says ${dv.cardinality}`, where);
    }
    return rows;
  } catch (error) {
    if (error instanceof DeletionVectorInvalidError) throw error;
    if (error instanceof RoaringFormatError || error instanceof Z85Error) {
      throw new DeletionVectorInvalidError(`Deletion vector at ${where} is malformed: ${error.message}`, where, error);
    }
    throw error;
  }
}

/** The bytes of a deletion vector as stored in a file: magic number, then the 64-bit bitmap. */
export function serializeDeletionVector(sortedRows: readonly number[]): Uint8Array {
  const bitmap = encodeRoaring64(sortedRows);
  const out = new Uint8Array(4 + bitmap.length);
  new DataView(out.buffer).setUint32(0, DV_MAGIC, true);
  out.set(bitmap, 4);
  return out;
}

/**
 * Ranged reads of a deletion vector file, from the store's local copy (the read cache, for a
 * remote store: a DV file is never rewritten, so repeated scans do not fetch it again).
 * Whatever the local copy cannot give falls back to the store, whose errors are typed.
 */
async function immutableReader(store: ObjectStore, key: string): Promise<(offset: number, length: number) => Promise<Uint8Array>> {
  const remote = (offset: number, length: number): Promise<Uint8Array> => store.getRange(key, offset, length);
  let file: string;
  try {
    file = await store.localPath(key);
  } catch {
    return remote;
  }
  return async (offset, length) => {
    try {
      const handle = await fs.open(file, 'r');
      try {
        const buffer = new Uint8Array(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    } catch {
      return remote(offset, length);
    }
  };
}
