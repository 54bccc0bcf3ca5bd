/** What a store knows about one object. */
export interface ObjectMeta {
  /** Key relative to the store root, '/'-separated. */
  path: string;
  size: number;
  lastModified: Date;
}

export interface ListOptions {
  /** Only keys that sort after this one (lexicographically), like S3's StartAfter. */
  startAfter?: string;
  /** Descend into sub-folders; otherwise only the objects directly under the prefix folder. */
  recursive?: boolean;
}

export interface PutOptions {
  /** Fail with ObjectAlreadyExistsError instead of replacing an existing object (put-if-absent). */
  ifAbsent?: boolean;
}

/**
 * The boundary between Aquifer and where bytes live (local disk, S3-compatible storage).
 *
 * Holds only what every backend can honour. `put` with `ifAbsent` is the one atomic
 * primitive Delta commits need; `localPath` hands DuckDB, which reads local files only
 * here, a file it can open.
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
  /** A path on the local disk holding the object's bytes, for DuckDB to read. */
  localPath(path: string): Promise<string>;
  /** A new, empty local folder for DuckDB to write files into before they are published. */
  stagingDir(): Promise<string>;
  /** Move a local file (written in a staging folder) into the store at `path`. */
  publishLocal(localFile: string, path: string): Promise<void>;
  /** Remove a staging folder and whatever is left in it. */
  discardStaging(dir: string): Promise<void>;
}
