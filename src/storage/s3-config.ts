import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { StorageLocationError } from './errors.js';

/** Explicit credentials; without them the SDK's default chain (environment, then profile) applies. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; the SDK asks the provider again shortly before. */
  expiration?: Date;
}

/**
 * Where credentials come from when they are not fixed: asked once, and again whenever the
 * last answer's `expiration` is near (the SDK's memoisation), so temporary credentials renew.
 */
export type S3CredentialsProvider = () => Promise<S3Credentials>;

export interface S3ConnectionOptions {
  /** E.g. `http://127.0.0.1:9000` for MinIO; else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS S3. */
  endpoint?: string;
  /** Else AWS_REGION / AWS_DEFAULT_REGION / the profile; `us-east-1` for a custom endpoint that names none. */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`); on by default for a custom endpoint, as MinIO needs. */
  forcePathStyle?: boolean;
  credentials?: S3Credentials | S3CredentialsProvider;
  /** An AWS profile from ~/.aws/config and ~/.aws/credentials; else AWS_PROFILE, else `default`. */
  profile?: string;
  /** Attempts per request, the first included (the SDK's standard strategy: exponential backoff with jitter on 5xx, throttling and network errors). Default 5. */
  maxAttempts?: number;
  /** How long to wait for a TCP connection before the attempt counts as failed. Default 10 s. */
  connectionTimeoutMs?: number;
}

/** Where an `s3://bucket/prefix` location points. The prefix has no leading or trailing '/'. */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  const bucket = match?.[1];
  if (match === null || bucket === undefined || bucket.length < 3) {
    throw new StorageLocationError(`${uri} is not an S3 location`, uri, 'Write it as s3://bucket/prefix (bucket names have at least 3 characters).');
  }
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, prefix };
}

export interface ResolvedS3Connection {
  /** Shared by every store opened on this connection; `close` releases it. */
  client: S3Client;
  /** For messages: the endpoint, or `AWS S3` when the SDK resolves it. Never holds credentials. */
  endpointLabel: string;
  maxAttempts: number;
  /** The custom endpoint in use, if any. */
  endpoint: string | undefined;
  forcePathStyle: boolean;
  /** Release the client's sockets; later calls do nothing. */
  close(): void;
}

// A count rather than a registry: tests check that a project opens one client however many tables it opens.
let liveClients = 0;

/** How many S3 clients this process has created and not yet closed. */
export function liveS3Clients(): number {
  return liveClients;
}

export function createS3Client(options: S3ConnectionOptions, env: NodeJS.ProcessEnv = process.env): ResolvedS3Connection {
  const endpoint = nonEmpty(options.endpoint) ?? nonEmpty(env['AWS_ENDPOINT_URL_S3']) ?? nonEmpty(env['AWS_ENDPOINT_URL']);
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) {
    throw new StorageLocationError(`The S3 endpoint ${endpoint} is not an http(s) URL`, endpoint, 'Write the endpoint as http://host:port or https://host.');
  }
  const region =
    nonEmpty(options.region) ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']) ?? (endpoint === undefined ? undefined : 'us-east-1');
  const maxAttempts = options.maxAttempts ?? 5;
  const forcePathStyle = options.forcePathStyle ?? endpoint !== undefined;
  const config: S3ClientConfig = {
    forcePathStyle,
    maxAttempts,
    requestHandler: new NodeHttpHandler({ connectionTimeout: options.connectionTimeoutMs ?? 10_000 }),
    // Checksums only where S3 requires them: MinIO and other S3-compatible stores lag
    // behind the SDK's newer default checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (endpoint !== undefined) config.endpoint = endpoint;
  if (region !== undefined) config.region = region;
  const credentials = options.credentials;
  if (typeof credentials === 'function') config.credentials = credentials;
  else if (credentials !== undefined) config.credentials = { ...credentials };
  if (options.profile !== undefined) config.profile = options.profile;
  const client = new S3Client(config);
  liveClients++;
  let closed = false;
  return {
    client,
    endpointLabel: endpoint ?? `AWS S3${region === undefined ? '' : ` (${region})`}`,
    maxAttempts,
    endpoint,
    forcePathStyle,
    close: () => {
      if (closed) return;
      closed = true;
      liveClients--;
      client.destroy();
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
