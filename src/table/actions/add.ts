import { InvalidLogError } from '../errors.js';
import { FieldReader } from './fields.js';
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

/**
 * Parse an add action. Tables hold up to millions of these, so the common fields are
 * checked inline rather than through FieldReader; anything unusual still gets the
 * same typed error naming the field.
 */
export function parseAdd(value: Record<string, unknown>, location: string): AddFile {
  const f = new LazyReader(value, location);
  const path = value['path'];
  if (typeof path !== 'string') f.reader().string('path');
  const add: AddFile = {
    path: path as string,
    partitionValues: stringMap(value['partitionValues']) ?? f.reader().stringMap('partitionValues'),
    size: number(value['size']) ?? f.reader().number('size'),
    modificationTime: number(value['modificationTime']) ?? f.reader().optionalNumber('modificationTime') ?? 0,
    dataChange: typeof value['dataChange'] === 'boolean' ? value['dataChange'] : f.reader().boolean('dataChange', true),
  };
  const stats = parseStats(value, location);
  if (stats !== undefined) add.stats = stats;
  if (value['tags'] !== undefined && value['tags'] !== null) add.tags = f.reader().stringMap('tags');
  const dv = value['deletionVector'];
  if (dv !== undefined && dv !== null)
    add.deletionVector = parseDeletionVector(f.reader().optionalObject('deletionVector') as Record<string, unknown>, location);
  for (const name of ['baseRowId', 'defaultRowCommitVersion'] as const) {
    if (value[name] !== undefined && value[name] !== null) add[name] = f.reader().number(name);
  }
  const provider = value['clusteringProvider'];
  if (provider !== undefined && provider !== null) add.clusteringProvider = f.reader().string('clusteringProvider');
  return add;
}

/** Creates the FieldReader only when a field needs the slow path (or its error). */
class LazyReader {
  private instance: FieldReader | undefined;
  constructor(
    private readonly value: Record<string, unknown>,
    private readonly location: string,
  ) {}
  reader(): FieldReader {
    this.instance ??= new FieldReader(this.value, 'add', this.location);
    return this.instance;
  }
}

function number(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

/** A partition value map whose values are all strings or null, or undefined (then the slow path reports it). */
function stringMap(value: unknown): Record<string, string | null> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const entry of Object.values(value as Record<string, unknown>)) if (entry !== null && typeof entry !== 'string') return undefined;
  return value as Record<string, string | null>;
}

/** Stats come as a JSON string, or (in checkpoints written with writeStatsAsStruct only) as a parsed struct. */
function parseStats(value: Record<string, unknown>, location: string): string | undefined {
  const stats = value['stats'];
  if (typeof stats === 'string') return stats;
  const parsed = value['stats_parsed'];
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') return JSON.stringify(parsed);
  if (stats === undefined || stats === null) return undefined;
  throw new InvalidLogError(`add.stats must be a string but is ${JSON.stringify(stats)} in ${location}`, location);
}
