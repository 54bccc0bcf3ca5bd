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

/**
 * The store for a location URI: a plain path (relative to the working folder) or
 * `file:///…` opens a LocalObjectStore, `s3://bucket/prefix` an S3ObjectStore,
 * `gs://bucket/prefix` a GcsObjectStore,
 * `az://container/prefix` or `abfss://container@account.dfs.core.windows.net/prefix` an AzureObjectStore.
 */
export function openObjectStore(uri: string, options: OpenObjectStoreOptions = {}): ObjectStore {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return new LocalObjectStore(path.resolve(uri), options.local);
  if (scheme === 'file') {
    let local: string;
    try {
      local = fileURLToPath(uri);
    } catch (error) {
      throw new StorageLocationError(
        `${uri} is not a valid file URL (${error instanceof Error ? error.message : String(error)})`,
        uri,
        'Write it as file:///absolute/path.',
      );
    }
    return new LocalObjectStore(local, options.local);
  }
  if (scheme === 's3' || scheme === 's3a') return new S3ObjectStore(uri, options.s3);
  if (scheme === 'gs') return new GcsObjectStore(uri, options.gcs);
  if (scheme === 'az' || scheme === 'azure' || scheme === 'abfs' || scheme === 'abfss') return new AzureObjectStore(uri, options.azure);
  throw new StorageLocationError(
    `Storage scheme ${scheme}:// is not supported`,
    uri,
    'Use a local path, file:///absolute/path, s3://bucket/prefix (S3-compatible stores such as MinIO take s3:// with an endpoint), gs://bucket/prefix or az://container/prefix.',
  );
}
