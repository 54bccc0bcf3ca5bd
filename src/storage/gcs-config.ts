import { Storage, type StorageOptions } from '@google-cloud/storage';
import { StorageLocationError } from './errors.js';
import { isRetryableGcsError } from './gcs-errors.js';

export interface GcsConnectionOptions {
  /**
   * An emulator or private endpoint, e.g. `http://127.0.0.1:4443` for fake-gcs-server; else
   * STORAGE_EMULATOR_HOST (`host:port` or a URL), else Google Cloud Storage. A custom
   * endpoint is used without credentials, as emulators expect.
   */
  endpoint?: string;
  /** The Google Cloud project; else GOOGLE_CLOUD_PROJECT / the credentials' own project. Object reads and writes need none. */
  projectId?: string;
  /** A service-account key file; else GOOGLE_APPLICATION_CREDENTIALS, else Application Default Credentials (gcloud, the metadata server). */
  keyFilename?: string;
  /** Attempts per request, the first included (exponential backoff with jitter on 408, 429, 5xx and network errors). Default 5. */
  maxAttempts?: number;
}

/** Where a `gs://bucket/prefix` location points. The prefix has no leading or trailing '/'. */
export interface GcsLocation {
  bucket: string;
  prefix: string;
}

export function parseGcsUri(uri: string): GcsLocation {
  const match = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  const bucket = match?.[1];
  if (match === null || bucket === undefined || bucket.length < 3) {
    throw new StorageLocationError(`${uri} is not a GCS location`, uri, 'Write it as gs://bucket/prefix (bucket names have at least 3 characters).');
  }
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, prefix };
}

export interface ResolvedGcsConnection {
  /** Retries every request (objects are written whole, so a repeated write leaves the same object). */
  client: Storage;
  /**
   * Never retries on its own: put-if-absent retries itself, counting attempts, so that a
   * retry refused by its own lost first write can be told from a lost race.
   */
  singleAttempt: Storage;
  /** For messages: the endpoint, or `Google Cloud Storage`. Never holds credentials. */
  endpointLabel: string;
  /** The custom endpoint in use (an emulator), if any. */
  endpoint: string | undefined;
  maxAttempts: number;
}

export function createGcsClients(options: GcsConnectionOptions, env: NodeJS.ProcessEnv = process.env): ResolvedGcsConnection {
  const endpoint = normaliseEndpoint(nonEmpty(options.endpoint) ?? nonEmpty(env['STORAGE_EMULATOR_HOST']));
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const base: StorageOptions = {};
  if (endpoint !== undefined) base.apiEndpoint = endpoint;
  const projectId = nonEmpty(options.projectId) ?? nonEmpty(env['GOOGLE_CLOUD_PROJECT']) ?? (endpoint === undefined ? undefined : 'aquifer');
  if (projectId !== undefined) base.projectId = projectId;
  if (options.keyFilename !== undefined) base.keyFilename = options.keyFilename;
  const make = (retry: boolean): Storage => {
    const storage = new Storage({
      ...base,
      retryOptions: retry
        ? {
            autoRetry: true,
            maxRetries: maxAttempts - 1,
            retryDelayMultiplier: 2,
            maxRetryDelay: 20,
            // Every write here is a whole object; repeating one leaves the same object.
            idempotencyStrategy: 0,
            retryableErrorFn: isRetryableGcsError,
          }
        : { autoRetry: false, maxRetries: 0 },
    });
    // With STORAGE_EMULATOR_HOST set, the client takes its raw value as the JSON API's base URL,
    // which lacks the /storage/v1 the emulator (and GCS) serve it under.
    if (endpoint !== undefined) storage.baseUrl = `${endpoint}/storage/v1`;
    return storage;
  };
  return {
    client: make(true),
    singleAttempt: make(false),
    endpointLabel: endpoint ?? 'Google Cloud Storage',
    endpoint,
    maxAttempts,
  };
}

/** `host:port` (how Go clients and fake-gcs-server's docs write STORAGE_EMULATOR_HOST) means plain HTTP. */
function normaliseEndpoint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  if (!/^https?:\/\/[^/]+/.test(url)) {
    throw new StorageLocationError(`The GCS endpoint ${value} is not an http(s) URL`, value, 'Write the endpoint as http://host:port or host:port.');
  }
  return url.replace(/\/+$/, '').replace(/\/storage\/v1$/, '');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
