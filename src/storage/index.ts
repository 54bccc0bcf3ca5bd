export type { AzureEngineAccess, EngineAccess, KnownObject, ListOptions, ObjectMeta, ObjectStore, PutOptions, S3EngineAccess } from './object-store.js';
export { LocalObjectStore, type LocalStoreOptions } from './local-object-store.js';
export { S3ObjectStore, type S3StoreOptions } from './s3-object-store.js';
export { GcsObjectStore, type GcsStoreOptions } from './gcs-object-store.js';
export { parseGcsUri, type GcsConnectionOptions, type GcsLocation } from './gcs-config.js';
export { liveS3Clients, parseS3Uri, type S3ConnectionOptions, type S3Credentials, type S3CredentialsProvider, type S3Location } from './s3-config.js';
export { credentialsFromEnv, type S3CredentialsFromEnv } from './s3-credentials-env.js';
export { AzureObjectStore, type AzureStoreOptions } from './azure-object-store.js';
export { parseAzureUri, type AzureConnectionOptions, type AzureLocation } from './azure-config.js';
export { writeFileDurably, type WriteFileDurablyOptions } from './write-file-durably.js';
export { holdsBytes, type HeldBytes } from './holds-bytes.js';
export { ReadCache, type ReadCacheOptions } from './read-cache.js';
export { openObjectStore, parseLocation, type OpenObjectStoreOptions, type ParsedLocation } from './open-object-store.js';
export { ObjectStorePool } from './object-store-pool.js';
export {
  BucketNotFoundError,
  ObjectAlreadyExistsError,
  ObjectNotFoundError,
  StorageAccessDeniedError,
  StorageCredentialsMissingError,
  StorageCredentialsVariableUnsetError,
  StorageError,
  StorageLocationError,
  StorageUnreachableError,
} from './errors.js';
