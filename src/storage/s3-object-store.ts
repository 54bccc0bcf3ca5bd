import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectAlreadyExistsError, StorageError } from './errors.js';
import type { KnownObject, ListOptions, ObjectMeta, ObjectStore, PutOptions, S3EngineAccess } from './object-store.js';
import { holdsBytes } from './holds-bytes.js';
import { immutableLocations } from './immutable-locations.js';
import { pageEndsListing, takeWhileListed } from './list-take-while.js';
import { ReadCache, type ReadCacheOptions } from './read-cache.js';
import { createS3Client, parseS3Uri, type ResolvedS3Connection, type S3ConnectionOptions } from './s3-config.js';
import { attemptsOf, statusOf, translateS3Error, sdkError } from './s3-errors.js';
import { MIN_PART_SIZE, uploadMultipart } from './s3-multipart.js';

export interface S3StoreOptions extends S3ConnectionOptions {
  /** Files from this size up are published as multipart uploads. Default: the part size. */
  multipartThreshold?: number;
  /** Bytes per multipart part, at least 5 MiB (S3's minimum). Default 16 MiB. */
  partSize?: number;
  /** Parts uploaded at once. Default 4. */
  partConcurrency?: number;
  /** Keys per ListObjectsV2 page (S3 caps it at 1,000). Default 1,000. */
  listPageSize?: number;
  /** The local read-through cache that `localPath` and `immutableLocations` download into. */
  cache?: ReadCacheOptions;
  /** The fraction of the cache one `immutableLocations` call may fill (0 turns caching for reads off). Default 0.25. */
  cacheReadShare?: number;
  /** Where staging folders are made. Default: the system temp folder. */
  stagingRoot?: string;
}

/**
 * An object store over an S3 bucket and prefix (AWS S3, MinIO, any S3-compatible store).
 *
 * put-if-absent is a PutObject with `If-None-Match: *`: S3 writes the object only if the
 * key is free, atomically, so Delta commits need no lock table. A refusal comes back as
 * 412 PreconditionFailed, or 409 ConditionalRequestConflict while another conditional
 * write to that key is in flight; both mean another writer got there first.
 */
export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  /** Key prefix of the root, '' or ending in '/'. */
  readonly keyPrefix: string;
  readonly client: S3Client;
  readonly cache: ReadCache;
  private readonly endpointLabel: string;
  private readonly connection: ResolvedS3Connection;
  private readonly options: S3StoreOptions;
  private readonly partSize: number;
  private readonly multipartThreshold: number;
  private readonly partConcurrency: number;
  private readonly listPageSize: number;
  private readonly stagingRoot: string;
  private readonly readShare: number;
  /** Whether `close` releases the client: only a store that made its own. */
  private readonly ownsClient: boolean;

  /**
   * `shared` (from `at`, or an ObjectStorePool) reuses a client and read cache that someone
   * else owns and closes; this store's `close` then leaves them alone.
   */
  constructor(uri: string, options: S3StoreOptions = {}, shared?: { connection: ResolvedS3Connection; cache: ReadCache }) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.url = `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}`;
    this.options = options;
    const connection = shared?.connection ?? createS3Client(options);
    this.ownsClient = shared === undefined;
    this.connection = connection;
    this.client = connection.client;
    this.endpointLabel = connection.endpointLabel;
    this.partSize = Math.max(options.partSize ?? 16 * 1024 * 1024, MIN_PART_SIZE);
    this.multipartThreshold = options.multipartThreshold ?? this.partSize;
    this.partConcurrency = Math.max(1, options.partConcurrency ?? 4);
    this.listPageSize = Math.min(Math.max(1, options.listPageSize ?? 1000), 1000);
    this.cache = shared?.cache ?? new ReadCache(options.cache);
    this.stagingRoot = options.stagingRoot ?? os.tmpdir();
    this.readShare = Math.min(Math.max(options.cacheReadShare ?? 0.25, 0), 1);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ObjectMeta[]> {
    const folder = prefix.replace(/^\/+|\/+$/g, '');
    const listPrefix = this.keyPrefix + (folder === '' ? '' : `${folder}/`);
    const found: ObjectMeta[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: listPrefix,
            Delimiter: options.recursive === true ? undefined : '/',
            StartAfter: token === undefined && options.startAfter !== undefined ? this.keyPrefix + options.startAfter : undefined,
            ContinuationToken: token,
            MaxKeys: this.listPageSize,
          }),
        );
        const objects: ObjectMeta[] = [];
        for (const object of page.Contents ?? []) {
          // Keys ending in '/' are folder markers some tools create, not objects.
          if (object.Key === undefined || object.Key.endsWith('/')) continue;
          objects.push({ path: object.Key.slice(this.keyPrefix.length), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) });
        }
        found.push(...objects);
        token = page.IsTruncated === true && !pageEndsListing(objects, options) ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw translateS3Error(error, { bucket: this.bucket, key: listPrefix, endpointLabel: this.endpointLabel });
    }
    return takeWhileListed(found, options);
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array();
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      // Past the end: what a local read gives there, no bytes.
      if (statusOf(error) === 416) return new Uint8Array();
      throw this.translate(error, key);
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const found = await this.headWithEtag(key);
    return found === undefined ? undefined : found.meta;
  }

  async put(key: string, data: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: body,
          ContentLength: body.byteLength,
          IfNoneMatch: options.ifAbsent === true ? '*' : undefined,
        }),
      );
    } catch (error) {
      if (options.ifAbsent === true && isConditionalRefusal(error)) {
        // A retry may be refused by this write's own first attempt, which landed but lost its response.
        if (attemptsOf(error) > 1 && (await holdsBytes(this, key, body)) === 'same') return;
        throw new ObjectAlreadyExistsError(key);
      }
      throw this.translate(error, key);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      // S3 answers 204 for a missing key too.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  /**
   * A local copy from the read cache, keyed by ETag and size, so an object is downloaded
   * once. The GET is conditional on the ETag seen by HEAD: if the object changed between
   * them, the download fails instead of caching new bytes under the old name.
   */
  async localPath(key: string): Promise<string> {
    const found = await this.headWithEtag(key);
    if (found === undefined) throw this.translate({ name: 'NoSuchKey' }, key);
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
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), IfMatch: etag }));
        if (response.Body === undefined) throw new StorageError(`S3 returned no body for ${this.url}/${key}`, key);
        await pipeline(response.Body as Readable, createWriteStream(temp, { flags: 'wx' }));
      } catch (error) {
        throw this.translate(error, key);
      }
    });
  }

  /** The object's S3 URL, which DuckDB's httpfs reads itself (ranged GETs, only the columns and row groups a query needs). */
  engineLocation(key: string): string {
    return `s3://${this.bucket}/${this.fullKey(key)}`;
  }

  /**
   * The endpoint, region, addressing and credentials this store's client uses, resolved
   * now through the same chain (config, AWS environment, profile), so DuckDB signs its
   * requests exactly as the store does.
   */
  async engineAccess(): Promise<S3EngineAccess> {
    const where = `${this.url}/`;
    let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined; expiration?: Date | undefined };
    let region: string | undefined;
    try {
      credentials = await this.client.config.credentials();
      region = await this.client.config.region();
    } catch (error) {
      throw translateS3Error(error, { bucket: this.bucket, key: this.keyPrefix, endpointLabel: this.endpointLabel });
    }
    const access: S3EngineAccess = {
      kind: 's3',
      scope: where,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      urlStyle: this.connection.forcePathStyle ? 'path' : 'vhost',
    };
    if (credentials.sessionToken !== undefined && credentials.sessionToken !== '') access.sessionToken = credentials.sessionToken;
    if (credentials.expiration !== undefined) access.expiration = credentials.expiration;
    if (this.connection.endpoint !== undefined) access.endpoint = this.connection.endpoint;
    if (region !== undefined && region !== '') access.region = region;
    return access;
  }

  /**
   * A store at another location in the same bucket (absolute paths in a Delta log), sharing
   * this one's client and cache; closing it leaves them open.
   */
  at(uri: string): S3ObjectStore {
    const { bucket } = parseS3Uri(uri);
    if (bucket !== this.bucket) throw new StorageError(`${uri} is not in the bucket ${this.bucket}`, uri);
    return new S3ObjectStore(uri, this.options, { connection: this.connection, cache: this.cache });
  }

  /** Staging is local (DuckDB writes local files); publishLocal uploads. */
  async stagingDir(): Promise<string> {
    await fs.mkdir(this.stagingRoot, { recursive: true });
    return fs.mkdtemp(path.join(this.stagingRoot, 'aquifer-s3-staging-'));
  }

  /** Upload a staged file (multipart from `multipartThreshold` up) and remove the local copy, as a local move would. */
  async publishLocal(localFile: string, key: string): Promise<void> {
    try {
      const { size } = await fs.stat(localFile);
      if (size >= this.multipartThreshold) {
        await uploadMultipart(this.client, this.bucket, this.fullKey(key), localFile, size, { partSize: this.partSize, concurrency: this.partConcurrency });
      } else {
        const body = await fs.readFile(localFile);
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Body: body, ContentLength: body.byteLength }));
      }
    } catch (error) {
      if (isCode(error, 'ENOENT')) throw new StorageError(`No staged file at ${localFile}`, localFile, error);
      throw this.translate(error, key);
    }
    await fs.rm(localFile, { force: true });
  }

  async discardStaging(dir: string): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
  }

  /**
   * Release the client's sockets, when this store made the client; a store sharing another's
   * client (from `at`) must not cut off its parent and siblings.
   */
  close(): void {
    if (this.ownsClient) this.connection.close();
  }

  private async headWithEtag(key: string): Promise<{ meta: ObjectMeta; etag: string } | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return { meta: { path: key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0) }, etag: response.ETag ?? '' };
    } catch (error) {
      // HEAD has no body, so S3 cannot say whether the key or the bucket is missing: a
      // missing bucket also reads as no object here, and surfaces on the next list or get.
      if (statusOf(error) === 404) return undefined;
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
    return translateS3Error(error, { bucket: this.bucket, key: this.keyPrefix + key, endpointLabel: this.endpointLabel });
  }
}

function isConditionalRefusal(error: unknown): boolean {
  const status = statusOf(error);
  const name = sdkError(error).name;
  return status === 412 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
