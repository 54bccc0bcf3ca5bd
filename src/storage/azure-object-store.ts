import type { BlobDownloadResponseParsed, BlobItem, ContainerClient } from '@azure/storage-blob';
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createAzureClient, parseAzureUri, type AzureConnectionOptions, type ResolvedAzureConnection } from './azure-config.js';
import { azureCodeOf, azureStatusOf, translateAzureError } from './azure-errors.js';
import { ObjectAlreadyExistsError, ObjectNotFoundError, StorageError } from './errors.js';
import type { AzureEngineAccess, KnownObject, ListOptions, ObjectMeta, ObjectStore, PutOptions } from './object-store.js';
import { holdsBytes } from './holds-bytes.js';
import { immutableLocations } from './immutable-locations.js';
import { pageEndsListing, takeWhileListed } from './list-take-while.js';
import { ReadCache, type ReadCacheOptions } from './read-cache.js';

export interface AzureStoreOptions extends AzureConnectionOptions {
  /** Files above this size are published as staged blocks (Put Block + Put Block List). Default: the block size. */
  singleUploadThreshold?: number;
  /** Bytes per staged block. Default 16 MiB. */
  blockSize?: number;
  /** Blocks uploaded at once. Default 4. */
  blockConcurrency?: number;
  /** Blobs per List Blobs page (Azure caps it at 5,000). Default 5,000. */
  listPageSize?: number;
  /** The local read-through cache that `localPath` and `immutableLocations` download into. */
  cache?: ReadCacheOptions;
  /** The fraction of the cache one `immutableLocations` call may fill (0 turns caching for reads off). Default 0.25. */
  cacheReadShare?: number;
  /** Where staging folders are made. Default: the system temp folder. */
  stagingRoot?: string;
}

/**
 * An object store over an Azure Blob container and prefix (Azure Storage, Azurite).
 *
 * put-if-absent is Put Blob with `If-None-Match: *`: Azure writes the blob only if the name
 * is free, atomically, and refuses otherwise with 409 BlobAlreadyExists (or 412
 * ConditionNotMet), so Delta commits need no lock, as on S3.
 */
export class AzureObjectStore implements ObjectStore {
  readonly url: string;
  readonly container: string;
  readonly account: string;
  /** Blob name prefix of the root, '' or ending in '/'. */
  readonly keyPrefix: string;
  readonly client: ContainerClient;
  readonly cache: ReadCache;
  private readonly connection: ResolvedAzureConnection;
  private readonly blockSize: number;
  private readonly singleUploadThreshold: number;
  private readonly blockConcurrency: number;
  private readonly listPageSize: number;
  private readonly stagingRoot: string;
  private readonly readShare: number;

  constructor(uri: string, options: AzureStoreOptions = {}) {
    const location = parseAzureUri(uri);
    this.container = location.container;
    this.keyPrefix = location.prefix === '' ? '' : `${location.prefix}/`;
    this.url = `az://${location.container}${location.prefix === '' ? '' : `/${location.prefix}`}`;
    this.connection = createAzureClient(location, uri, options);
    this.client = this.connection.container;
    this.account = this.connection.account;
    this.blockSize = Math.max(1, options.blockSize ?? 16 * 1024 * 1024);
    this.singleUploadThreshold = options.singleUploadThreshold ?? this.blockSize;
    this.blockConcurrency = Math.max(1, options.blockConcurrency ?? 4);
    this.listPageSize = Math.min(Math.max(1, options.listPageSize ?? 5000), 5000);
    this.cache = new ReadCache(options.cache);
    this.stagingRoot = options.stagingRoot ?? os.tmpdir();
    this.readShare = Math.min(Math.max(options.cacheReadShare ?? 0.25, 0), 1);
  }

  /**
   * Azure lists in lexical order but has no StartAfter (its continuation marker is opaque),
   * so `startAfter` is applied here: the listing still pages through the keys before it.
   */
  async list(prefix: string, options: ListOptions = {}): Promise<ObjectMeta[]> {
    const folder = prefix.replace(/^\/+|\/+$/g, '');
    const listPrefix = this.keyPrefix + (folder === '' ? '' : `${folder}/`);
    const after = options.startAfter;
    const found: ObjectMeta[] = [];
    // Whether the page ends the listing (a `takeWhile` refusal on it).
    const take = (blobs: readonly BlobItem[]): boolean => {
      const objects: ObjectMeta[] = [];
      for (const blob of blobs) {
        // Names ending in '/' are folder markers some tools create, not objects.
        if (blob.name.endsWith('/')) continue;
        const key = blob.name.slice(this.keyPrefix.length);
        if (after !== undefined && key <= after) continue;
        objects.push({ path: key, size: blob.properties.contentLength ?? 0, lastModified: blob.properties.lastModified });
      }
      found.push(...objects);
      return pageEndsListing(objects, options);
    };
    try {
      const pages =
        options.recursive === true
          ? this.client.listBlobsFlat({ prefix: listPrefix }).byPage({ maxPageSize: this.listPageSize })
          : this.client.listBlobsByHierarchy('/', { prefix: listPrefix }).byPage({ maxPageSize: this.listPageSize });
      for await (const page of pages) if (take(page.segment.blobItems)) break;
    } catch (error) {
      throw this.translate(error, listPrefix.slice(this.keyPrefix.length));
    }
    // Azure's order is by UTF-8 bytes; the contract is JavaScript's string order, as the other stores give.
    return takeWhileListed(
      found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      options,
    );
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await readBody(await this.client.getBlobClient(this.fullKey(key)).download(0));
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array();
    try {
      return await readBody(await this.client.getBlobClient(this.fullKey(key)).download(offset, length));
    } catch (error) {
      // Past the end: what a local read gives there, no bytes.
      if (azureStatusOf(error) === 416) return new Uint8Array();
      throw this.translate(error, key);
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const found = await this.headWithEtag(key);
    return found?.meta;
  }

  async put(key: string, data: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      await this.client
        .getBlockBlobClient(this.fullKey(key))
        .upload(body, body.byteLength, options.ifAbsent === true ? { conditions: { ifNoneMatch: '*' } } : {});
    } catch (error) {
      if (options.ifAbsent === true && isConditionalRefusal(error)) {
        // The SDK does not say whether it retried, so every refusal is checked (one small GET
        // per lost race): a first attempt that wrote the blob and lost its response makes the
        // retry find the name taken by this very write.
        if ((await holdsBytes(this, key, body)) === 'same') return;
        throw new ObjectAlreadyExistsError(key);
      }
      throw this.translate(error, key);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.getBlobClient(this.fullKey(key)).deleteIfExists();
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  /**
   * A local copy from the read cache, keyed by ETag and size. The download is conditional
   * on the ETag seen by the HEAD, so new bytes are never cached under an old name.
   */
  async localPath(key: string): Promise<string> {
    const found = await this.headWithEtag(key);
    if (found === undefined) throw new ObjectNotFoundError(`${this.url}/${key}`);
    return this.cachedCopy(key, found);
  }

  /** Data files, checkpoints and deletion vectors from the read cache, as far as one read's share allows (immutable-locations.ts). */
  immutableLocations(keys: readonly (string | KnownObject)[]): Promise<string[]> {
    return immutableLocations<{ meta: ObjectMeta; etag?: string; version?: string }>(keys, {
      head: (key) => this.headWithEtag(key),
      known: ({ path: key, size, version }) => ({ meta: { path: key, size, lastModified: new Date(0) }, version }),
      cachedCopy: (key, found) => this.cachedCopy(key, found),
      engineLocation: (key) => this.engineLocation(key),
      shareBytes: this.cache.maxBytes * this.readShare,
    });
  }

  /** A cached copy of the version found: by its ETag, or by the version the log gives (then fetched without a condition; the cache checks the size). */
  private cachedCopy(key: string, found: { meta: ObjectMeta; etag?: string; version?: string }): Promise<string> {
    const { meta, etag, version } = found;
    return this.cache.get({ url: `${this.url}/${key}`, etag: etag ?? `log:${version ?? ''}`, size: meta.size }, key, async (temp) => {
      try {
        const response = await this.client.getBlobClient(this.fullKey(key)).download(0, undefined, etag === undefined ? {} : { conditions: { ifMatch: etag } });
        if (response.readableStreamBody === undefined) throw new StorageError(`Azure returned no body for ${this.url}/${key}`, key);
        await pipeline(Readable.from(response.readableStreamBody), createWriteStream(temp, { flags: 'wx' }));
      } catch (error) {
        throw this.translate(error, key);
      }
    });
  }

  /** The blob's `az://container/name` URL, which DuckDB's azure extension reads itself (ranged reads). */
  engineLocation(key: string): string {
    return `az://${this.container}/${this.fullKey(key)}`;
  }

  /** The connection string this store uses, for a DuckDB secret scoped to the store root. */
  engineAccess(): Promise<AzureEngineAccess> {
    return Promise.resolve({ kind: 'azure', scope: `${this.url}/`, connectionString: this.connection.connectionString });
  }

  /** Staging is local (DuckDB writes local files); publishLocal uploads. */
  async stagingDir(): Promise<string> {
    await fs.mkdir(this.stagingRoot, { recursive: true });
    return fs.mkdtemp(path.join(this.stagingRoot, 'aquifer-azure-staging-'));
  }

  /**
   * Upload a staged file and remove the local copy, as a local move would. Above the
   * threshold the SDK stages blocks (`blockConcurrency` at a time, each retried alone) and
   * commits the block list, so the blob appears whole or not at all; uncommitted blocks
   * are discarded by Azure after a week.
   */
  async publishLocal(localFile: string, key: string): Promise<void> {
    try {
      await fs.access(localFile);
    } catch (error) {
      throw new StorageError(`No staged file at ${localFile}`, localFile, error);
    }
    try {
      await this.client.getBlockBlobClient(this.fullKey(key)).uploadFile(localFile, {
        blockSize: this.blockSize,
        concurrency: this.blockConcurrency,
        maxSingleShotSize: this.singleUploadThreshold,
      });
    } catch (error) {
      throw this.translate(error, key);
    }
    await fs.rm(localFile, { force: true });
  }

  async discardStaging(dir: string): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
  }

  private async headWithEtag(key: string): Promise<{ meta: ObjectMeta; etag: string } | undefined> {
    try {
      const properties = await this.client.getBlobClient(this.fullKey(key)).getProperties();
      return { meta: { path: key, size: properties.contentLength ?? 0, lastModified: properties.lastModified ?? new Date(0) }, etag: properties.etag ?? '' };
    } catch (error) {
      // A HEAD has no body, so a missing container also reads as no blob here; it surfaces on the next list or get.
      if (azureStatusOf(error) === 404) return undefined;
      throw this.translate(error, key);
    }
  }

  private fullKey(key: string): string {
    const clean = key.replace(/^\/+/, '');
    if (clean.split('/').some((part) => part === '..' || part === '.')) {
      throw new StorageError(`Path ${key} escapes the store root ${this.url}`, key);
    }
    return this.keyPrefix + clean;
  }

  private translate(error: unknown, key: string): Error {
    return translateAzureError(error, {
      container: this.container,
      blob: this.keyPrefix + key,
      endpointLabel: this.connection.endpointLabel,
      maxAttempts: this.connection.maxAttempts,
    });
  }
}

async function readBody(response: BlobDownloadResponseParsed): Promise<Uint8Array> {
  const stream = response.readableStreamBody;
  if (stream === undefined) return new Uint8Array();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

function isConditionalRefusal(error: unknown): boolean {
  const status = azureStatusOf(error);
  const code = azureCodeOf(error);
  return status === 412 || (status === 409 && code === 'BlobAlreadyExists') || code === 'ConditionNotMet';
}
