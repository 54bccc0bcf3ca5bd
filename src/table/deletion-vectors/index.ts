export { readDeletionVector, deletionVectorPath, serializeDeletionVector, DV_MAGIC } from './deletion-vector.js';
export { decodeRoaring64, encodeRoaring64, RoaringFormatError } from './roaring.js';
export { z85Decode, z85Encode, uuidFromZ85, uuidToZ85 } from './z85.js';
