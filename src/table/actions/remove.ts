import { compact, FieldReader } from './fields.js';
import { parseDeletionVector, type DeletionVectorDescriptor } from './deletion-vector-descriptor.js';

/** A logical file that stops being part of the table; kept as a tombstone until vacuum. */
export interface RemoveFile {
  path: string;
  deletionTimestamp?: number;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null>;
  size?: number;
  stats?: string;
  tags?: Record<string, string | null>;
  deletionVector?: DeletionVectorDescriptor;
  baseRowId?: number;
  defaultRowCommitVersion?: number;
}

export function parseRemove(value: Record<string, unknown>, location: string): RemoveFile {
  const f = new FieldReader(value, 'remove', location);
  const dv = f.optionalObject('deletionVector');
  return compact<RemoveFile>({
    path: f.string('path'),
    deletionTimestamp: f.optionalNumber('deletionTimestamp'),
    dataChange: f.boolean('dataChange', true),
    extendedFileMetadata: f.optionalBoolean('extendedFileMetadata'),
    partitionValues: f.optionalStringMap('partitionValues'),
    size: f.optionalNumber('size'),
    stats: f.optionalString('stats'),
    tags: f.optionalStringMap('tags'),
    deletionVector: dv === undefined ? undefined : parseDeletionVector(dv, location),
    baseRowId: f.optionalNumber('baseRowId'),
    defaultRowCommitVersion: f.optionalNumber('defaultRowCommitVersion'),
  });
}
