import { InvalidLogError } from '../errors.js';
import { compact, FieldReader } from './fields.js';

/** Where a deletion vector lives and how many rows it removes (PROTOCOL.md, Deletion Vector Descriptor). */
export interface DeletionVectorDescriptor {
  /** 'u': relative path from a UUID, 'i': inline Z85, 'p': absolute path. */
  storageType: 'u' | 'i' | 'p';
  pathOrInlineDv: string;
  offset?: number;
  sizeInBytes: number;
  cardinality: number;
  maxRowIndex?: number;
}

export function parseDeletionVector(value: Record<string, unknown>, location: string): DeletionVectorDescriptor {
  const f = new FieldReader(value, 'deletionVector', location);
  const storageType = f.string('storageType');
  if (storageType !== 'u' && storageType !== 'i' && storageType !== 'p') {
    throw new InvalidLogError(`deletionVector.storageType must be 'u', 'i' or 'p' but is '${storageType}' in ${location}`, location);
  }
  return compact<DeletionVectorDescriptor>({
    storageType,
    pathOrInlineDv: f.string('pathOrInlineDv'),
    offset: f.optionalNumber('offset'),
    sizeInBytes: f.number('sizeInBytes'),
    cardinality: f.number('cardinality'),
    maxRowIndex: f.optionalNumber('maxRowIndex'),
  });
}

/** The descriptor's unique id, which with the file path identifies a logical file during replay. */
export function deletionVectorUniqueId(dv: DeletionVectorDescriptor): string {
  return dv.offset === undefined ? `${dv.storageType}${dv.pathOrInlineDv}` : `${dv.storageType}${dv.pathOrInlineDv}@${dv.offset}`;
}
