import { fileURLToPath } from 'node:url';
import { LocalObjectStore, S3ObjectStore, type ObjectStore } from '../../storage/index.js';
import { InvalidLogError } from '../errors.js';

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
/** Relative paths URL resolution would leave unchanged: no scheme, no dot segments, no characters it rewrites. */
const SIMPLE_RELATIVE = /^(?!\/)(?!\.{1,2}(?:\/|$))(?!.*\/\.{1,2}(?:\/|$))[A-Za-z0-9_\-=.~/]+$/;

/** A path from the log resolved to the store that holds it and the key inside that store. */
export interface ResolvedPath {
  store: ObjectStore;
  key: string;
}

/**
 * Resolve a path from an add/remove/cdc/DV action. Relative paths are URIs relative to
 * the table root and percent-encoded (PROTOCOL.md, Add File); absolute ones name their
 * scheme. Absolute `file:` paths are readable anywhere, `s3://` (or `s3a://`) ones in the
 * table's own bucket.
 */
export function resolveLogPath(tableStore: ObjectStore, path: string, location: string): ResolvedPath {
  if (!SCHEME.test(path) && !path.startsWith('/')) {
    return { store: tableStore, key: decodeRelativePath(path, location) };
  }
  // Spark writes through Hadoop's s3a connector; the objects are the same.
  const url = SCHEME.test(path) ? path.replace(/^s3a:\/\//i, 's3://') : `file://${path}`;
  if (url.startsWith(tableStore.url + '/')) {
    return { store: tableStore, key: decodeRelativePath(url.slice(tableStore.url.length + 1), location) };
  }
  if (url.startsWith('file:')) {
    let local: string;
    try {
      local = fileURLToPath(new URL(url));
    } catch (error) {
      throw new InvalidLogError(`The path ${path} in ${location} is not a valid file URI`, location, undefined, error);
    }
    return { store: ROOT_STORE, key: local.replace(/^\/+/, '') };
  }
  if (tableStore instanceof S3ObjectStore && url.startsWith(`s3://${tableStore.bucket}/`)) {
    return { store: bucketRoot(tableStore), key: decodeRelativePath(url.slice(`s3://${tableStore.bucket}/`.length), location) };
  }
  throw new InvalidLogError(
    `The path ${path} in ${location} uses a scheme this table's storage cannot read`,
    location,
    'Configure a store for that scheme, or keep data files under the table root.',
  );
}

const ROOT_STORE = new LocalObjectStore('/');

// One root store per table store, so the engine configures its secret once.
const bucketRoots = new WeakMap<S3ObjectStore, S3ObjectStore>();

function bucketRoot(store: S3ObjectStore): S3ObjectStore {
  let root = bucketRoots.get(store);
  if (root === undefined) {
    root = store.at(`s3://${store.bucket}`);
    bucketRoots.set(store, root);
  }
  return root;
}

function decodeRelativePath(path: string, location: string): string {
  try {
    return decodeURIComponent(path);
  } catch (error) {
    throw new InvalidLogError(`The path ${path} in ${location} has invalid percent-encoding`, location, undefined, error);
  }
}

/**
 * The identity of a path during log replay: two spellings of the same file
 * (`/a/b`, `file:/a/b`, `file:///a/b`, or relative vs absolute under the root) are one file.
 */
export function canonicalPath(tableUrl: string, path: string): string {
  // The common case, a plain relative path, needs no URL parsing (the slow part of replay).
  if (SIMPLE_RELATIVE.test(path)) return `${tableUrl.endsWith('/') ? tableUrl : `${tableUrl}/`}${path}`;
  try {
    if (SCHEME.test(path)) return new URL(path).href;
    if (path.startsWith('/')) return new URL(`file://${path}`).href;
    return new URL(path, tableUrl.endsWith('/') ? tableUrl : `${tableUrl}/`).href;
  } catch {
    return path;
  }
}

/**
 * Percent-encode a relative data path the way the log stores it: each segment as a URI
 * path segment, so '%', spaces and non-ASCII are escaped while '=' (as in `part=1`)
 * stays readable, as the reference implementation writes it.
 */
export function encodeRelativePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%(3D|3A|40|2C|3B|24|26|2B)/g, (escaped) => decodeURIComponent(escaped)))
    .join('/');
}
