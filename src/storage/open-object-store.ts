import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageLocationError } from './errors.js';
import { GcsObjectStore, type GcsStoreOptions } from './gcs-object-store.js';
import { LocalObjectStore, type LocalStoreOptions } from './local-object-store.js';
import { AzureObjectStore, type AzureStoreOptions } from './azure-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore, type S3StoreOptions } from './s3-object-store.js';

export interface OpenObjectStoreOptions {
  local?: LocalStoreOptions;
  s3?: S3StoreOptions;
  gcs?: GcsStoreOptions;
  azure?: AzureStoreOptions;
}

/** What a location URI names: a folder on this machine, or an S3, GCS or Azure location. */
export type ParsedLocation = { kind: 'local'; path: string } | { kind: 's3'; uri: string } | { kind: 'gs'; uri: string } | { kind: 'azure'; uri: string };

/** Classify a location: a plain path (relative to the working folder), `file:///…`, `s3://` / `s3a://`, `gs://`, or `az://` / `abfss://`. */
export function parseLocation(uri: string): ParsedLocation {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'local', path: path.resolve(uri) };
  if (scheme === 'file') {
    try {
      return { kind: 'local', path: fileURLToPath(uri) };
    } catch (error) {
      throw new StorageLocationError(
        `${uri} is not a valid file URL (${error instanceof Error ? error.message : String(error)})`,
        uri,
        'Write it as file:///absolute/path.',
      );
    }
  }
  if (scheme === 's3' || scheme === 's3a') return { kind: 's3', uri };
  if (scheme === 'gs') return { kind: 'gs', uri };
  if (scheme === 'az' || scheme === 'azure' || scheme === 'abfs' || scheme === 'abfss') return { kind: 'azure', uri };
  throw new StorageLocationError(
    `Storage scheme ${scheme}:// is not supported`,
    uri,
    'Use a local path, file:///absolute/path, s3://bucket/prefix (S3-compatible stores such as MinIO take s3:// with an endpoint), gs://bucket/prefix or az://container/prefix.',
  );
}

/**
 * The store for a location URI: a plain path (relative to the working folder) or
 * `file:///…` opens a LocalObjectStore, `s3://bucket/prefix` an S3ObjectStore with a
 * client of its own (an ObjectStorePool shares one between many locations),
 * `gs://bucket/prefix` a GcsObjectStore, `az://container/prefix` or
 * `abfss://container@account.dfs.core.windows.net/prefix` an AzureObjectStore.
 */
export function openObjectStore(uri: string, options: OpenObjectStoreOptions = {}): ObjectStore {
  const location = parseLocation(uri);
  if (location.kind === 'local') return new LocalObjectStore(location.path, options.local);
  if (location.kind === 'gs') return new GcsObjectStore(location.uri, options.gcs);
  if (location.kind === 'azure') return new AzureObjectStore(location.uri, options.azure);
  return new S3ObjectStore(location.uri, options.s3);
}
