import { AquiferError } from '../errors.js';
import { BucketNotFoundError, ObjectNotFoundError, StorageAccessDeniedError, StorageError, StorageUnreachableError } from './errors.js';

/** What the Azure SDK attaches to a failed request (a RestError, or a network error it wraps). */
interface AzureErrorShape {
  name?: string;
  code?: string;
  statusCode?: number;
  details?: { errorCode?: string };
  cause?: unknown;
}

const NETWORK_CODES = new Set([
  'REQUEST_SEND_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const NETWORK_NAMES = new Set(['AbortError', 'TimeoutError']);
/** "Not now" answers: once the SDK's retries are spent they are an outage, like a refused connection. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

function shape(error: unknown): AzureErrorShape {
  return typeof error === 'object' && error !== null ? (error as AzureErrorShape) : {};
}

export function azureStatusOf(error: unknown): number | undefined {
  return shape(error).statusCode;
}

/** Azure's error code (`BlobNotFound`, `ContainerNotFound`, `ConditionNotMet`, …) from the header or the body. */
export function azureCodeOf(error: unknown): string {
  const e = shape(error);
  return e.details?.errorCode ?? e.code ?? '';
}

function isNetworkError(error: unknown, depth = 0): boolean {
  const e = shape(error);
  if (NETWORK_CODES.has(e.code ?? '') || NETWORK_NAMES.has(e.name ?? '')) return true;
  return depth < 5 && e.cause !== undefined && isNetworkError(e.cause, depth + 1);
}

export interface AzureTranslateContext {
  container: string;
  /** The full blob name, for messages. */
  blob: string;
  endpointLabel: string;
  /** What the retry policy allowed; the SDK does not report how many attempts a failure took. */
  maxAttempts: number;
}

/**
 * Turn whatever the Azure SDK threw into an AquiferError with a stable code. Messages name
 * the container, blob, endpoint and Azure's error code; the SDK's own messages are not
 * copied in, so nothing they might echo (a SAS token in a URL) can leak.
 */
export function translateAzureError(error: unknown, ctx: AzureTranslateContext): AquiferError {
  if (error instanceof AquiferError) return error;
  const status = azureStatusOf(error);
  const code = azureCodeOf(error);
  const where = `az://${ctx.container}/${ctx.blob}`;
  if (code === 'ContainerNotFound') return new BucketNotFoundError(ctx.container, ctx.endpointLabel, error, 'azure');
  if (status === 404) return new ObjectNotFoundError(where, error);
  if (status === 403 || status === 401) {
    return new StorageAccessDeniedError(
      `Access to ${where} at ${ctx.endpointLabel} was refused (${code === '' ? `HTTP ${status}` : code})`,
      where,
      error,
      'azure',
    );
  }
  if (status === undefined && isNetworkError(error)) return new StorageUnreachableError(ctx.endpointLabel, ctx.maxAttempts, error, undefined, 'azure');
  if (status !== undefined && UNAVAILABLE_STATUSES.has(status)) {
    return new StorageUnreachableError(ctx.endpointLabel, ctx.maxAttempts, error, `HTTP ${status}${code === '' ? '' : ` ${code}`}`, 'azure');
  }
  const why = status === undefined ? code || shape(error).name || 'unknown error' : `HTTP ${status}${code === '' ? '' : ` ${code}`}`;
  return new StorageError(`Azure Blob request on ${where} at ${ctx.endpointLabel} failed: ${why}`, where, error);
}
