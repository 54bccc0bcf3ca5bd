import { ERROR_CODES, isAquiferError, isErrorCode } from '../../errors.js';
import { errorBody } from '../error-body.js';

/** MLflow's error body: the Python client matches on `error_code` (a 404 from get-by-name means "create it"). */
export interface MlflowErrorBody {
  status: number;
  body: { error_code: string; message: string };
}

/** Aquifer codes whose MLflow status differs from the catalogue's, or that MLflow names itself. */
const MLFLOW_CODES: Readonly<Record<string, { errorCode: string; status: number; expected?: true }>> = {
  MODEL_STORE_NOT_FOUND: { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  MODEL_ARTIFACT_NOT_FOUND: { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 },
  // MLflow answers a duplicate with 400, not 409; the client tells them apart by error_code.
  MODEL_STORE_ALREADY_EXISTS: { errorCode: 'RESOURCE_ALREADY_EXISTS', status: 400 },
  HTTP_NOT_FOUND: { errorCode: 'ENDPOINT_NOT_FOUND', status: 404 },
  // MLflow's own server answers this for a local artifact store, and the client then uploads with one PUT:
  // an answer, not a fault, so it is not logged as one (and the client matches the message's start).
  MODEL_ARTIFACT_MULTIPART_UNSUPPORTED: { errorCode: 'NOT_IMPLEMENTED', status: 501, expected: true },
};

/**
 * The status and MLflow-shaped body for an error on an MLflow route. The message is the one
 * `errorBody` would show (file locations redacted; a 5xx shows only its summary, never SQL),
 * so the two formats can never leak more than each other.
 */
export function mlflowErrorBody(error: unknown, roots: readonly string[] = []): MlflowErrorBody {
  const code = isAquiferError(error) ? error.code : 'INTERNAL';
  const known = MLFLOW_CODES[code];
  if (known?.expected === true && isErrorCode(code)) return { status: known.status, body: { error_code: known.errorCode, message: ERROR_CODES[code].summary } };
  const { status, body } = errorBody(error, roots);
  if (known !== undefined) return { status: known.status, body: { error_code: known.errorCode, message: body.error.message } };
  return { status, body: { error_code: errorCodeFor(status), message: body.error.message } };
}

function errorCodeFor(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'RESOURCE_DOES_NOT_EXIST';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_ERROR';
  return 'INVALID_PARAMETER_VALUE';
}

/** MLflow's REST paths, whose callers read MLflow's error body rather than Aquifer's. */
export function isMlflowPath(path: string): boolean {
  return /^\/(?:ajax-)?api\/[23]\.0\/mlflow(?:-artifacts)?(?:\/|$)/.test(path);
}
