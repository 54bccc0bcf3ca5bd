export type { AzureEngineAccess, EngineAccess, ListOptions, ObjectMeta, ObjectStore, PutOptions, S3EngineAccess } from './object-store.js';
export { LocalObjectStore, type LocalStoreOptions } from './local-object-store.js';
export { S3ObjectStore, type S3StoreOptions } from './s3-object-store.js';
export { GcsObjectStore, type GcsStoreOptions } from './gcs-object-store.js';
export { parseGcsUri, type GcsConnectionOptions, type GcsLocation } from './gcs-config.js';
export { parseS3Uri, type S3ConnectionOptions, type S3Credentials, type S3Location } from './s3-config.js';
export { AzureObjectStore, type AzureStoreOptions } from './azure-object-store.js';
export { parseAzureUri, type AzureConnectionOptions, type AzureLocation } from './azure-config.js';
export { ReadCache, type ReadCacheOptions } from './read-cache.js';
export { openObjectStore, type OpenObjectStoreOptions } from './open-object-store.js';
export {
  BucketNotFoundError,
  ObjectAlreadyExistsError,
  ObjectNotFoundError,
  StorageAccessDeniedError,
  StorageCredentialsMissingError,
  StorageError,
  StorageLocationError,
  StorageUnreachableError,
} from './errors.js';
