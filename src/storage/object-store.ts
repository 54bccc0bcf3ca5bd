/** What a store knows about one object. */
export interface ObjectMeta {
  /** Key relative to the store root, '/'-separated. */
  path: string;
  size: number;
  lastModified: Date;
}

/**
 * An object whose size and version the caller already knows, as a Delta log records its data
 * files (`size`, `modificationTime`) and a listing its checkpoints: immutable objects named
 * this way are not looked up again before they are read.
 */
export interface KnownObject {
  path: string;
  size: number;
  /** Anything that changes when the object at `path` is replaced (the log's modification time). */
  version: string;
}

export interface ListOptions {
  /** Only keys that sort after this one (lexicographically), like S3's StartAfter. */
  startAfter?: string;
  /** Descend into sub-folders; otherwise only the objects directly under the prefix folder. */
  recursive?: boolean;
  /**
   * Stop at the first object, in key order, for which this is false: it and all after it are
   * left out, and no later page is fetched. For callers that need only the head of a long
   * folder (the expired part of a Delta log), so the requests follow the work, not the folder.
   */
  takeWhile?: (object: ObjectMeta) => boolean;
}

export interface PutOptions {
  /** Fail with ObjectAlreadyExistsError instead of replacing an existing object (put-if-absent). */
  ifAbsent?: boolean;
}

/**
 * What DuckDB needs before it can open a store's objects itself: for S3, the connection its
 * httpfs extension signs requests with. Mirrors the engine's S3 secret options field by
 * field, since storage does not import the engine (the table layer joins the two).
 */
export interface S3EngineAccess {
  kind: 's3';
  /** The prefix this access covers: the store root URL followed by '/'. */
  scope: string;
  /** The custom endpoint (`http://host:port`), or undefined for AWS S3. */
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  urlStyle?: 'path' | 'vhost';
  /** When these credentials expire (temporary credentials): the engine must ask again before then. */
  expiration?: Date;
}

/**
 * What DuckDB's azure extension needs to open a container's blobs: a connection string
 * (account, key or SAS, blob endpoint) for a secret scoped to the store root.
 */
export interface AzureEngineAccess {
  kind: 'azure';
  /** The prefix this access covers: `az://container/prefix/`. */
  scope: string;
  connectionString: string;
}

export type EngineAccess = S3EngineAccess | AzureEngineAccess;

/**
 * The boundary between Aquifer and where bytes live (local disk, S3-compatible storage).
 *
 * Holds only what every backend can honour. `put` with `ifAbsent` is the one atomic
 * primitive Delta commits need; `engineLocation` hands DuckDB a location it can open
 * itself (a local path, or an S3 URL after `engineAccess`).
 */
export interface ObjectStore {
  /** A URL for the store root, for messages and for absolute paths in the Delta log. */
  readonly url: string;
  /** Objects under a folder prefix ('' for the root, 'a/b' for a folder), sorted by key. */
  list(prefix: string, options?: ListOptions): Promise<ObjectMeta[]>;
  get(path: string): Promise<Uint8Array>;
  getRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** Metadata of an object, or undefined when there is none. */
  head(path: string): Promise<ObjectMeta | undefined>;
  put(path: string, data: Uint8Array | string, options?: PutOptions): Promise<void>;
  delete(path: string): Promise<void>;
  /** A path on the local disk holding the object's bytes (downloaded into a cache where the store is remote). */
  localPath(path: string): Promise<string>;
  /**
   * Where DuckDB opens the object itself: a local path, or `s3://bucket/key` that httpfs
   * reads with the connection from `engineAccess`, so no bytes pass through JavaScript.
   * A store DuckDB cannot reach (GCS without HMAC keys, an emulator) downloads a local copy
   * first, hence the promise.
   */
  engineLocation(path: string): string | Promise<string>;
  /**
   * Where DuckDB opens objects that are never rewritten (data files, checkpoints, deletion
   * vectors), in order: for a remote store, local copies from its read cache (downloaded
   * whole on a miss) as far as one read's share of the cache allows, the `engineLocation`
   * of the rest and of any object that is missing. Never for the log tail
   * (`_delta_log/*.json`, `_last_checkpoint`), which a new commit changes.
   */
  immutableLocations(paths: readonly (string | KnownObject)[]): Promise<string[]>;
  /** The connection DuckDB needs for `engineLocation`s (credentials resolved now), or undefined for local files. */
  engineAccess(): Promise<EngineAccess | undefined>;
  /** A new, empty local folder for DuckDB to write files into before they are published. */
  stagingDir(): Promise<string>;
  /** Move a local file (written in a staging folder) into the store at `path`. */
  publishLocal(localFile: string, path: string): Promise<void>;
  /** Remove a staging folder and whatever is left in it. */
  discardStaging(dir: string): Promise<void>;
  /** Release the connections this store made itself (S3's sockets); absent where a store holds none. */
  close?(): void;
}
