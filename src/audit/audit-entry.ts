import { field, primitive, struct, type StructType } from '../table/index.js';

/** Who made a request or ran a command: a token's id, an anonymous caller the config lets in, one refused before a token was proven, or the OS user of a CLI command. */
export type AuditPrincipalKind = 'token' | 'anonymous' | 'unauthenticated' | 'os-user';

/** One table a request or command wrote: its version produced and the rows it wrote there. */
export interface AuditWrite {
  table: string;
  version: number;
  rows?: number;
}

/**
 * One row of the audit log: one server request or one CLI write command. What was done, to
 * what, by whom, and how it ended; never a payload, query string, token or secret, so it only
 * has fields that hold names, numbers and codes.
 */
export interface AuditEntry {
  time: Date;
  source: 'server' | 'cli';
  /** The token id, `anonymous`, `unauthenticated`, or the OS user name. */
  principal: string;
  principalKind: AuditPrincipalKind;
  /** The token's role (a server request), when known. */
  role?: string;
  /** `POST /v1/ingest/:table` (the route's pattern, never the URL with its values) or `table append`. */
  action: string;
  /** The table, asset or model the request or command named, when it named one. */
  table?: string;
  asset?: string;
  model?: string;
  /** The HTTP status, or the command's exit code. */
  status: number;
  /** The error's code when it failed with a typed error. */
  errorCode?: string;
  durationMs: number;
  /** The version the write produced on `table` (the last one, when it committed several) and the rows it wrote. */
  version?: number;
  rows?: number;
  /** Every table written, when it wrote any (a training set writes the set and its dataset). */
  writes?: readonly AuditWrite[];
}

/** The audit log's columns: one per field of an entry, `writes` as JSON. */
export const AUDIT_LOG_SCHEMA: StructType = struct([
  field('time', primitive('timestamp'), false),
  field('source', primitive('string'), false),
  field('principal', primitive('string'), false),
  field('principal_kind', primitive('string'), false),
  field('role', primitive('string'), true),
  field('action', primitive('string'), false),
  field('table', primitive('string'), true),
  field('asset', primitive('string'), true),
  field('model', primitive('string'), true),
  field('status', primitive('integer'), false),
  field('error_code', primitive('string'), true),
  field('duration_ms', primitive('double'), false),
  field('version', primitive('long'), true),
  field('rows', primitive('long'), true),
  field('writes', primitive('string'), true),
]);
