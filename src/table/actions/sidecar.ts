import { compact, FieldReader } from './fields.js';

/** A v2 checkpoint's pointer to a file of add/remove actions under `_delta_log/_sidecars/`. */
export interface Sidecar {
  path: string;
  sizeInBytes: number;
  modificationTime: number;
  tags?: Record<string, string | null>;
}

export function parseSidecar(value: Record<string, unknown>, location: string): Sidecar {
  const f = new FieldReader(value, 'sidecar', location);
  return compact<Sidecar>({
    path: f.string('path'),
    sizeInBytes: f.optionalNumber('sizeInBytes') ?? 0,
    modificationTime: f.optionalNumber('modificationTime') ?? 0,
    tags: f.optionalStringMap('tags'),
  });
}

/** Marks a v2 checkpoint and names the version it describes. */
export interface CheckpointMetadata {
  version: number;
  tags?: Record<string, string | null>;
}

export function parseCheckpointMetadata(value: Record<string, unknown>, location: string): CheckpointMetadata {
  const f = new FieldReader(value, 'checkpointMetadata', location);
  return compact<CheckpointMetadata>({ version: f.number('version'), tags: f.optionalStringMap('tags') });
}
