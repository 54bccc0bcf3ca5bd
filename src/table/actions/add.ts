import { compact, FieldReader } from './fields.js';
import { parseDeletionVector, type DeletionVectorDescriptor } from './deletion-vector-descriptor.js';

/** A data file (with its optional deletion vector) that is part of the table from this version on. */
export interface AddFile {
  /** A URI: relative to the table root (percent-encoded) or absolute. */
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** Per-file statistics as a JSON string (numRecords, minValues, maxValues, nullCount). */
  stats?: string;
  tags?: Record<string, string | null>;
  deletionVector?: DeletionVectorDescriptor;
  baseRowId?: number;
  defaultRowCommitVersion?: number;
  clusteringProvider?: string;
}

export function parseAdd(value: Record<string, unknown>, location: string): AddFile {
  const f = new FieldReader(value, 'add', location);
  const dv = f.optionalObject('deletionVector');
  return compact<AddFile>({
    path: f.string('path'),
    partitionValues: f.stringMap('partitionValues'),
    size: f.number('size'),
    modificationTime: f.optionalNumber('modificationTime') ?? 0,
    dataChange: f.boolean('dataChange', true),
    stats: parseStats(value, location),
    tags: f.optionalStringMap('tags'),
    deletionVector: dv === undefined ? undefined : parseDeletionVector(dv, location),
    baseRowId: f.optionalNumber('baseRowId'),
    defaultRowCommitVersion: f.optionalNumber('defaultRowCommitVersion'),
    clusteringProvider: f.optionalString('clusteringProvider'),
  });
}

/** Stats come as a JSON string, or (in checkpoints written with writeStatsAsStruct only) as a parsed struct. */
function parseStats(value: Record<string, unknown>, location: string): string | undefined {
  const stats = value['stats'];
  if (typeof stats === 'string') return stats;
  const parsed = value['stats_parsed'];
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') return JSON.stringify(parsed);
  if (stats === undefined || stats === null) return undefined;
  return new FieldReader(value, 'add', location).optionalString('stats');
}
