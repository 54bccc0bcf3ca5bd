import { RETRYABLE_ERR_FN_DEFAULT } from '@google-cloud/storage';
import { AquiferError } from '../errors.js';
import {
  BucketNotFoundError,
  ObjectNotFoundError,
  StorageAccessDeniedError,
  StorageCredentialsMissingError,
  StorageError,
  StorageUnreachableError,
} from './errors.js';

/** What the GCS client throws: ApiError (`code` is the HTTP status) or a gaxios/Node network error (`code` is a string). */
interface GcsErrorShape {
  name?: string;
  code?: number | string;
  message?: string;
  status?: number;
  response?: { status?: number };
  errors?: { reason?: string; message?: string }[];
  cause?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
/** Answers that mean "not now": the same outage as a refused connection once retries are spent. */
const UNAVAILABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

function shape(error: unknown): GcsErrorShape {
  return typeof error === 'object' && error !== null ? (error as GcsErrorShape) : {};
}

export function gcsStatusOf(error: unknown): number | undefined {
  const e = shape(error);
  if (typeof e.code === 'number') return e.code;
  return e.response?.status ?? e.status;
}

function reasonOf(error: unknown): string {
  return shape(error).errors?.[0]?.reason ?? '';
}

export function isNetworkError(error: unknown, depth = 0): boolean {
  const e = shape(error);
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code.toUpperCase())) return true;
  return depth < 5 && e.cause !== undefined && isNetworkError(e.cause, depth + 1);
}

/** Whether a request is worth another attempt: the client's own rule, plus a refused connection (a server restarting). */
export function isRetryableGcsError(error: unknown): boolean {
  const status = gcsStatusOf(error);
  if (status !== undefined && UNAVAILABLE_STATUSES.has(status)) return true;
  if (isNetworkError(error)) return true;
  return RETRYABLE_ERR_FN_DEFAULT(error as Parameters<typeof RETRYABLE_ERR_FN_DEFAULT>[0]);
}

/** 412: the `ifGenerationMatch` precondition failed, for put-if-absent the key is taken. */
export function isPreconditionFailed(error: unknown): boolean {
  return gcsStatusOf(error) === 412 || reasonOf(error) === 'conditionNotMet';
}

export interface GcsTranslateContext {
  bucket: string;
  /** The full object name, for messages. */
  key: string;
  endpointLabel: string;
  attempts: number;
  /**
   * What a 404 can only mean for this request: a listing or an upload names no object that
   * could be missing. Else the message decides (GCS says "The specified bucket does not
   * exist"; fake-gcs-server says only "Not Found").
   */
  notFound?: 'bucket';
}

/**
 * Turn whatever the GCS client threw into an AquiferError with a stable code. Messages name
 * the bucket, object, endpoint and status; the client's own text is kept only for errors
 * raised before any request (configuration, the credential chain), which name settings,
 * not secret values.
 */
export function translateGcsError(error: unknown, ctx: GcsTranslateContext): AquiferError {
  if (error instanceof AquiferError) return error;
  const e = shape(error);
  const status = gcsStatusOf(error);
  const message = e.message ?? '';
  const where = `gs://${ctx.bucket}/${ctx.key}`;
  if (status === 404) {
    // GCS says which is missing only in words: "The specified bucket does not exist" / "No such object".
    if (ctx.notFound === 'bucket' || (/bucket/i.test(message) && !/no such object/i.test(message)))
      return new BucketNotFoundError(ctx.bucket, ctx.endpointLabel, error, 'gcs');
    return new ObjectNotFoundError(where, error);
  }
  if (
    status === undefined &&
    /could not load the default credentials|unable to read the credential file|does not exist, or it is not a file|could not refresh access token|no credentials/i.test(
      message,
    )
  ) {
    return new StorageCredentialsMissingError(where, error, 'gcs');
  }
  if (status === 401 || status === 403) {
    const reason = reasonOf(error);
    return new StorageAccessDeniedError(
      `Access to ${where} at ${ctx.endpointLabel} was refused (HTTP ${status}${reason === '' ? '' : ` ${reason}`})`,
      where,
      error,
      'gcs',
    );
  }
  if (status === undefined && isNetworkError(error)) return new StorageUnreachableError(ctx.endpointLabel, ctx.attempts, error, undefined, 'gcs');
  if (status !== undefined && UNAVAILABLE_STATUSES.has(status)) {
    return new StorageUnreachableError(ctx.endpointLabel, ctx.attempts, error, `HTTP ${status}`, 'gcs');
  }
  const why =
    status === undefined
      ? typeof e.code === 'string'
        ? e.code
        : `${e.name ?? 'Error'}: ${message}`
      : `HTTP ${status}${reasonOf(error) === '' ? '' : ` ${reasonOf(error)}`}`;
  return new StorageError(`GCS request on ${where} at ${ctx.endpointLabel} failed: ${why}`, where, error);
}
