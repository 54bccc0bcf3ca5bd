import { AzureObjectStore } from './azure-object-store.js';
import { StorageError } from './errors.js';
import { GcsObjectStore } from './gcs-object-store.js';
import { LocalObjectStore, type LocalStoreOptions } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { parseLocation, type OpenObjectStoreOptions } from './open-object-store.js';
import { ReadCache } from './read-cache.js';
import { createS3Client, type ResolvedS3Connection } from './s3-config.js';
import { S3ObjectStore } from './s3-object-store.js';

/**
 * Opens stores for many locations with one S3 client and one read cache between them, and
 * closes those once: what a project holds, so opening a thousand tables does not open a
 * thousand clients (each with its own sockets) that nobody closes.
 *
 * The client is made on the first S3 location, so a local-only project never makes one.
 * Stores it hands out do not own the client: closing one leaves the others working.
 */
export class ObjectStorePool {
  private shared: { connection: ResolvedS3Connection; cache: ReadCache } | undefined;
  private closed = false;

  constructor(private readonly options: OpenObjectStoreOptions = {}) {}

  /** The store for a location (as `openObjectStore` reads it), on this pool's S3 client. */
  open(uri: string, local: LocalStoreOptions = {}): ObjectStore {
    const location = parseLocation(uri);
    if (location.kind === 'local') return new LocalObjectStore(location.path, { ...this.options.local, ...local });
    // GCS and Azure stores are not pooled yet: each keeps its own connection.
    if (location.kind === 'gs') return new GcsObjectStore(location.uri, this.options.gcs);
    if (location.kind === 'azure') return new AzureObjectStore(location.uri, this.options.azure);
    if (this.closed) throw new StorageError(`The project's storage was closed; ${uri} cannot be opened on it`, uri);
    const s3 = this.options.s3 ?? {};
    this.shared ??= { connection: createS3Client(s3), cache: new ReadCache(s3.cache) };
    return new S3ObjectStore(location.uri, s3, this.shared);
  }

  /** Release the S3 client's sockets. Stores opened from the pool must not be used afterwards. */
  close(): void {
    this.closed = true;
    this.shared?.connection.close();
    this.shared = undefined;
  }
}
