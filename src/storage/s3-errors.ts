import { AquiferError } from '../errors.js';
import {
  BucketNotFoundError,
  ObjectNotFoundError,
  StorageAccessDeniedError,
  StorageCredentialsMissingError,
  StorageError,
  StorageLocationError,
  StorageUnreachableError,
} from './errors.js';

/** What the SDK attaches to a failed request (S3ServiceException and network errors alike). */
interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  cause?: unknown;
}

const ACCESS_DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout']);
/**
 * Answers that mean "not now" rather than "no": a server still starting (MinIO answers 503
 * until its drives are ready), throttling (503 SlowDown), or a proxy in front of a server
 * that is down. Once the SDK's retries are spent they are the same outage as a refused
 * connection, and a writer treats them alike: the commit may or may not have landed.
 */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);
/**
 * A server that is shutting down drops the requests it is still reading; MinIO answers those
 * with 499 ClientDisconnected ("Client disconnected before response was ready") on the way
 * out. The SDK does not retry it, and like a refused connection it leaves a write's outcome
 * unknown, so it is the same outage.
 */
const DISCONNECTED = new Set(['ClientDisconnected']);

export function sdkError(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

export function statusOf(error: unknown): number | undefined {
  return sdkError(error).$metadata?.httpStatusCode;
}

/** How many attempts the SDK made before this error (1 when it did not retry). */
export function attemptsOf(error: unknown): number {
  return sdkError(error).$metadata?.attempts ?? 1;
}

function isNetworkError(error: unknown, depth = 0): boolean {
  const e = sdkError(error);
  if (NETWORK_CODES.has(e.code ?? '') || NETWORK_NAMES.has(e.name ?? '')) return true;
  return depth < 5 && e.cause !== undefined && isNetworkError(e.cause, depth + 1);
}

export interface TranslateContext {
  bucket: string;
  /** The full S3 key, for messages. */
  key: string;
  endpointLabel: string;
}

/**
 * Turn whatever the SDK threw into an AquiferError with a stable code. Messages name the
 * bucket, key, endpoint and the S3 error code, never credentials: the SDK's own messages
 * are not copied in, so nothing it might echo can leak.
 */
export function translateS3Error(error: unknown, ctx: TranslateContext): AquiferError {
  if (error instanceof AquiferError) return error;
  const e = sdkError(error);
  const name = e.name ?? '';
  const status = statusOf(error);
  const where = `s3://${ctx.bucket}/${ctx.key}`;
  if (name === 'NoSuchBucket') return new BucketNotFoundError(ctx.bucket, ctx.endpointLabel, error);
  if (name === 'NoSuchKey' || (status === 404 && name === 'NotFound')) return new ObjectNotFoundError(where, error);
  if (name === 'CredentialsProviderError') return new StorageCredentialsMissingError(`s3://${ctx.bucket}/${ctx.key}`, error);
  if (ACCESS_DENIED.has(name) || status === 403) {
    const why = name === '' || name === 'Error' ? `HTTP ${status ?? '?'}` : name;
    return new StorageAccessDeniedError(`Access to ${where} at ${ctx.endpointLabel} was refused (${why})`, where, error);
  }
  if (status === undefined && isNetworkError(error)) return new StorageUnreachableError(ctx.endpointLabel, attemptsOf(error), error);
  if (status !== undefined && (UNAVAILABLE_STATUSES.has(status) || DISCONNECTED.has(name))) {
    return new StorageUnreachableError(ctx.endpointLabel, attemptsOf(error), error, `HTTP ${status}${name === '' || name === 'Unknown' ? '' : ` ${name}`}`);
  }
  if (status === undefined && /region is missing/i.test(e.message ?? '')) {
    return new StorageLocationError(
      `No AWS region is configured for ${where}`,
      where,
      'Set the region in the config, or AWS_REGION, or a region in the AWS profile.',
    );
  }
  // Without an HTTP status the error came from the client itself (configuration, credential
  // chain), whose messages name settings, not secret values.
  const why = status === undefined ? (e.code ?? (e.message === undefined ? name : `${name}: ${e.message}`)) : `HTTP ${status}${name === '' ? '' : ` ${name}`}`;
  return new StorageError(`S3 request on ${where} at ${ctx.endpointLabel} failed after ${attemptsOf(error)} attempt(s): ${why}`, where, error);
}
