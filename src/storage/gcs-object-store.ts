import type { Bucket, File, FileMetadata, GetFilesOptions } from '@google-cloud/storage';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ObjectAlreadyExistsError, ObjectNotFoundError, StorageError } from './errors.js';
import { holdsBytes } from './holds-bytes.js';
import { createGcsClients, parseGcsUri, type GcsConnectionOptions, type ResolvedGcsConnection } from './gcs-config.js';
import { gcsStatusOf, isPreconditionFailed, isRetryableGcsError, translateGcsError } from './gcs-errors.js';
import { immutableLocations } from './immutable-locations.js';
import { pageEndsListing, takeWhileListed } from './list-take-while.js';
import type { KnownObject, ListOptions, ObjectMeta, ObjectStore, PutOptions } from './object-store.js';
import { ReadCache, type ReadCacheOptions } from './read-cache.js';

export interface GcsStoreOptions extends GcsConnectionOptions {
  /** Files from this size up are published as resumable uploads, in chunks. Default 16 MiB. */
  resumableThreshold?: number;
  /** Bytes per resumable-upload request, a multiple of 256 KiB. Default 16 MiB. */
  chunkSize?: number;
  /** Objects per list request (GCS caps it at 1,000). Default 1,000. */
  listPageSize?: number;
  /** The local read-through cache that `localPath` and `engineLocation` download into. */
  cache?: ReadCacheOptions;
  /** Where staging folders are made. Default: the system temp folder. */
  stagingRoot?: string;
}

const CHUNK_UNIT = 256 * 1024;

/**
 * An object store over a Google Cloud Storage bucket and prefix (or an emulator such as
 * fake-gcs-server).
 *
 * put-if-absent is an upload with the precondition `ifGenerationMatch=0`: GCS writes the
 * object only while no live generation exists, atomically, and answers 412 otherwise, so
 * Delta commits need no lock. DuckDB reads local copies from the read cache: its httpfs
 * speaks to GCS only through the S3-compatible XML API with HMAC keys, which an emulator
 * does not offer.
 */
export class GcsObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucketName: string;
  /** Object-name prefix of the root, '' or ending in '/'. */
  readonly keyPrefix: string;
  readonly cache: ReadCache;
  readonly connection: ResolvedGcsConnection;
  private readonly bucket: Bucket;
  private readonly singleAttemptBucket: Bucket;
  private readonly resumableThreshold: number;
  private readonly chunkSize: number;
  private readonly listPageSize: number;
  private readonly stagingRoot: string;

  constructor(uri: string, options: GcsStoreOptions = {}) {
    const { bucket, prefix } = parseGcsUri(uri);
    this.bucketName = bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.url = `gs://${bucket}${prefix === '' ? '' : `/${prefix}`}`;
    this.connection = createGcsClients(options);
    this.bucket = this.connection.client.bucket(bucket);
    this.singleAttemptBucket = this.connection.singleAttempt.bucket(bucket);
    this.chunkSize = Math.max(CHUNK_UNIT, Math.round((options.chunkSize ?? 16 * 1024 * 1024) / CHUNK_UNIT) * CHUNK_UNIT);
    this.resumableThreshold = options.resumableThreshold ?? 16 * 1024 * 1024;
    this.listPageSize = Math.min(Math.max(1, options.listPageSize ?? 1000), 1000);
    this.cache = new ReadCache(options.cache);
    this.stagingRoot = options.stagingRoot ?? os.tmpdir();
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ObjectMeta[]> {
    const folder = prefix.replace(/^\/+|\/+$/g, '');
    const listPrefix = this.keyPrefix + (folder === '' ? '' : `${folder}/`);
    // startOffset is inclusive: the start key itself is dropped below.
    const startOffset = options.startAfter === undefined ? undefined : this.keyPrefix + options.startAfter;
    const found: ObjectMeta[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const query: GetFilesOptions = { prefix: listPrefix, maxResults: this.listPageSize, autoPaginate: false };
        if (options.recursive !== true) query.delimiter = '/';
        if (startOffset !== undefined) query.startOffset = startOffset;
        if (pageToken !== undefined) query.pageToken = pageToken;
        const [files, next] = await this.bucket.getFiles(query);
        const objects: ObjectMeta[] = [];
        for (const file of files) {
          // Names ending in '/' are folder markers some tools create, not objects.
          if (file.name.endsWith('/') || file.name === startOffset) continue;
          objects.push(this.meta(file.name.slice(this.keyPrefix.length), file.metadata));
        }
        found.push(...objects);
        pageToken = pageEndsListing(objects, options) ? undefined : (next as { pageToken?: string } | null | undefined)?.pageToken;
      } while (pageToken !== undefined && pageToken !== '');
    } catch (error) {
      throw this.translate(error, listPrefix.slice(this.keyPrefix.length), { notFound: 'bucket' });
    }
    return takeWhileListed(
      found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      options,
    );
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const [bytes] = await this.file(key).download();
      return bytes;
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array();
    try {
      const [bytes] = await this.file(key).download({ start: offset, end: offset + length - 1, validation: false });
      return bytes;
    } catch (error) {
      // Past the end: what a local read gives there, no bytes.
      if (gcsStatusOf(error) === 416) return new Uint8Array();
      throw this.translate(error, key);
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    return (await this.headWithGeneration(key))?.meta;
  }

  async put(key: string, data: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    const body = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (options.ifAbsent === true) return this.putIfAbsent(key, body);
    try {
      await this.file(key).save(body, { resumable: false, contentType: 'application/octet-stream' });
    } catch (error) {
      throw this.translate(error, key, { notFound: 'bucket' });
    }
  }

  /**
   * Upload with `ifGenerationMatch=0`, retried here rather than by the client so the attempts
   * are counted: a retry refused with 412 may have been refused by this writer's own first
   * attempt, which reached GCS but lost its response. Then the object is read back, and
   * equal bytes mean the write is ours (a Delta commit carries random file names and its
   * commit time, so another writer's commit practically never matches byte for byte).
   */
  private async putIfAbsent(key: string, body: Buffer): Promise<void> {
    const file = this.singleAttemptBucket.file(this.fullKey(key));
    const { maxAttempts } = this.connection;
    for (let attempt = 1; ; attempt++) {
      try {
        await file.save(body, { resumable: false, contentType: 'application/octet-stream', preconditionOpts: { ifGenerationMatch: 0 } });
        return;
      } catch (error) {
        if (isPreconditionFailed(error)) {
          if (attempt > 1 && (await holdsBytes(this, key, body)) === 'same') return;
          throw new ObjectAlreadyExistsError(key);
        }
        if (attempt >= maxAttempts || !isRetryableGcsError(error)) throw this.translate(error, key, { attempts: attempt, notFound: 'bucket' });
      }
      // Full jitter on an exponential base, as the client's own retries do.
      await sleep(Math.random() * Math.min(20_000, 100 * 2 ** attempt));
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.file(key).delete({ ignoreNotFound: true });
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  /**
   * A local copy from the read cache, keyed by the object's generation and size, so an
   * object is downloaded once. The download asks for that generation: if the object was
   * replaced meanwhile, it fails instead of caching new bytes under the old name.
   */
  async localPath(key: string): Promise<string> {
    const found = await this.headWithGeneration(key);
    if (found === undefined) throw new ObjectNotFoundError(`${this.url}/${key}`);
    return this.cachedCopy(key, found);
  }

  /** A local copy (see the class comment): DuckDB reads it as a local file. */
  engineLocation(key: string): Promise<string> {
    return this.localPath(key);
  }

  /**
   * Every object DuckDB reads is a local copy here, immutable or not, so the whole cache is
   * this read's share; a missing one is named by its gs:// URL, so the read that needs it
   * fails naming it.
   */
  immutableLocations(keys: readonly (string | KnownObject)[]): Promise<string[]> {
    return immutableLocations<{ meta: ObjectMeta; generation?: string; version?: string }>(keys, {
      head: (key) => this.headWithGeneration(key),
      known: ({ path: key, size, version }) => ({ meta: { path: key, size, lastModified: new Date(0) }, version }),
      cachedCopy: (key, found) => this.cachedCopy(key, found),
      engineLocation: (key) => `${this.url}/${key}`,
      shareBytes: Number.POSITIVE_INFINITY,
    });
  }

  /** A cached copy of the generation found, or of the version the log gives (then the live object; the cache checks the size). */
  private cachedCopy(key: string, found: { meta: ObjectMeta; generation?: string; version?: string }): Promise<string> {
    const { meta, generation, version } = found;
    return this.cache.get({ url: `${this.url}/${key}`, etag: generation ?? `log:${version ?? ''}`, size: meta.size }, key, async (temp) => {
      try {
        await this.bucket.file(this.fullKey(key), generation === undefined ? {} : { generation }).download({ destination: temp });
      } catch (error) {
        throw this.translate(error, key);
      }
    });
  }

  /** Nothing to configure: DuckDB reads local copies. */
  engineAccess(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  /** Staging is local (DuckDB writes local files); publishLocal uploads. */
  async stagingDir(): Promise<string> {
    await fs.mkdir(this.stagingRoot, { recursive: true });
    return fs.mkdtemp(path.join(this.stagingRoot, 'aquifer-gcs-staging-'));
  }

  /** Upload a staged file (a resumable upload in chunks from `resumableThreshold` up) and remove the local copy, as a local move would. */
  async publishLocal(localFile: string, key: string): Promise<void> {
    let size: number;
    try {
      ({ size } = await fs.stat(localFile));
    } catch (error) {
      throw new StorageError(`No staged file at ${localFile}`, localFile, error);
    }
    try {
      if (size >= this.resumableThreshold) {
        // Each chunk is its own request, retried alone; the session resumes from what GCS has.
        await this.bucket.upload(localFile, {
          destination: this.fullKey(key),
          resumable: true,
          chunkSize: this.chunkSize,
          contentType: 'application/octet-stream',
        });
      } else {
        await this.file(key).save(await fs.readFile(localFile), { resumable: false, contentType: 'application/octet-stream' });
      }
    } catch (error) {
      throw this.translate(error, key, { notFound: 'bucket' });
    }
    await fs.rm(localFile, { force: true });
  }

  async discardStaging(dir: string): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
  }

  private async headWithGeneration(key: string): Promise<{ meta: ObjectMeta; generation: string } | undefined> {
    try {
      const [metadata] = await this.file(key).getMetadata();
      return { meta: this.meta(key, metadata), generation: String(metadata.generation ?? '') };
    } catch (error) {
      // A missing bucket also reads as no object here, and surfaces on the next list or get.
      if (gcsStatusOf(error) === 404) return undefined;
      throw this.translate(error, key);
    }
  }

  private meta(key: string, metadata: FileMetadata): ObjectMeta {
    const updated = metadata.updated ?? metadata.timeCreated;
    return { path: key, size: Number(metadata.size ?? 0), lastModified: updated === undefined ? new Date(0) : new Date(updated) };
  }

  private file(key: string): File {
    return this.bucket.file(this.fullKey(key));
  }

  private fullKey(key: string): string {
    const clean = key.replace(/^\/+/, '');
    if (clean.split('/').some((part) => part === '..' || part === '.')) {
      throw new StorageError(`Path ${key} escapes the store root ${this.url}`, key);
    }
    return this.keyPrefix + clean;
  }

  /** `attempts`: how many the request had; the client's own retries use them all before giving up on a retryable error. */
  private translate(error: unknown, key: string, how: { attempts?: number; notFound?: 'bucket' } = {}): Error {
    return translateGcsError(error, {
      bucket: this.bucketName,
      key: this.keyPrefix + key,
      endpointLabel: this.connection.endpointLabel,
      attempts: how.attempts ?? this.connection.maxAttempts,
      ...(how.notFound === undefined ? {} : { notFound: how.notFound }),
    });
  }
}
