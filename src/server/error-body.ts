import os from 'node:os';
import { ERROR_CODES, isAquiferError, type ErrorCode } from '../errors.js';
import { log } from '../log.js';
import { statusFor } from './http-status.js';

export interface ErrorBody {
  status: number;
  body: { error: { code: string; message: string; hint?: string; value?: unknown } };
}

/** Values larger than this (as JSON) are left out of a body: an echo of a whole request helps nobody. */
const MAX_VALUE_CHARS = 1_000;

/**
 * The status and JSON body for an error, safe to send to any caller. A 4xx or 503 shows its code,
 * message, hint and value with file locations replaced by `<path>`; another 5xx shows only its
 * code and the catalogue's summary (its message may carry SQL, temp files or locations), and
 * the whole error goes to the log. `roots` are folders to hide besides the usual ones (the
 * project root).
 */
export function errorBody(error: unknown, roots: readonly string[] = []): ErrorBody {
  if (isAquiferError(error)) {
    const status = statusFor(error.code);
    // A 503 is the server's own limit (time, requests in flight), not a fault: its message and
    // hint are written for the caller, who needs the setting they name.
    if (status >= 500 && status !== 503) {
      log.error({ err: error, code: error.code }, 'request failed');
      return { status, body: { error: hidden(error.code) } };
    }
    if (status === 503) log.warn({ code: error.code }, 'request refused under load');
    const redact = redactor(roots);
    const body: ErrorBody['body']['error'] = { code: error.code, message: redact(error.message), hint: redact(error.hint) };
    const value = safeValue(error.value, redact);
    if (value !== undefined) body.value = value;
    return { status, body: { error: body } };
  }
  log.error({ err: error }, 'unexpected error in a request');
  return { status: 500, body: { error: hidden('INTERNAL') } };
}

/**
 * An error kept in a record (a run's in the run history) as a caller may see it: a code whose
 * status is a 4xx or 503 keeps its message with file locations replaced by `<path>`; any other
 * (a 5xx, an unknown or missing code) gives the catalogue's summary, since its message may carry
 * SQL, temp files or locations.
 */
export function publicError(error: { code?: string; message: string }, roots: readonly string[] = []): { code?: string; message: string } {
  const code = error.code !== undefined && error.code in ERROR_CODES ? (error.code as ErrorCode) : undefined;
  if (code === undefined) return { ...(error.code === undefined ? {} : { code: error.code }), message: ERROR_CODES.INTERNAL.summary };
  const status = statusFor(code);
  if (status >= 500 && status !== 503) return { code, message: ERROR_CODES[code].summary };
  return { code, message: redactor(roots)(error.message) };
}

function hidden(code: ErrorCode): ErrorBody['body']['error'] {
  return { code, message: ERROR_CODES[code].summary, hint: 'The server log has the details; retry, and report it if it persists.' };
}

function safeValue(value: unknown, redact: (text: string) => string): unknown {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (json === undefined || json.length > MAX_VALUE_CHARS) return undefined;
  const cleaned = redact(json);
  if (cleaned === json) return value;
  try {
    return JSON.parse(cleaned) as unknown;
  } catch {
    return undefined;
  }
}

/** Folders whose names say something about the host: never sent to a caller. */
const SYSTEM_PATHS = /(?<![\w.~-])(?:file:\/\/)?\/(?:home|Users|tmp|var|private|root|opt|srv|mnt|data|work|usr|etc|proc|run)\/[^\s'"`,)\]}\\]*/g;

function redactor(roots: readonly string[]): (text: string) => string {
  const folders = [...roots, process.cwd(), os.tmpdir(), os.homedir()].filter((r) => r.length > 1).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const folder of folders) out = out.split(folder).join('<path>');
    return out.replace(/<path>[^\s'"`,)\]}\\]*/g, '<path>').replace(SYSTEM_PATHS, '<path>');
  };
}

/**
 * The Open Inference Protocol's error body, `{"error": "<message>"}` (KServe v2 REST, as
 * Triton's and KServe's clients read it), with the status and message `errorBody` gives.
 * The protocol's JSON schema for it does not close the object, so Aquifer's code rides
 * along in `code` for callers that branch on it.
 */
export function oipErrorBody(error: unknown, roots: readonly string[] = []): { status: number; body: { error: string; code: string } } {
  const { status, body } = errorBody(error, roots);
  return { status, body: { error: body.error.message, code: body.error.code } };
}

/** The Open Inference Protocol's paths (`/v2`, `/v2/…`), whose callers read its error body. */
export function isOipPath(path: string): boolean {
  return path === '/v2' || path.startsWith('/v2/');
}
