import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import { GroupCommitter, IngestTarget, type RawRecord } from '../ingest/index.js';
import type { Project } from '../project/index.js';

export interface IngestRouteOptions {
  engine: Engine;
  project: Project;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes: number;
}

/**
 * `POST /v1/ingest/{table}`: a JSON array or NDJSON body of records, optionally with an
 * `Idempotency-Key` header (a retried request with the same key is not written twice).
 * Answers with rows accepted, rows quarantined and the table version. A body that is too
 * large, not JSON or of another content type is refused with nothing written.
 */
export function registerIngestRoute(app: Hono, options: IngestRouteOptions): void {
  const committers = new Map<string, Promise<GroupCommitter>>();
  const committer = (table: string) => {
    let found = committers.get(table);
    if (found === undefined) {
      found = IngestTarget.open(options.project.tablePath(table), { engine: options.engine, createIfMissing: {} }).then((target) => new GroupCommitter(target));
      committers.set(table, found);
      found.catch(() => committers.delete(table));
    }
    return found;
  };

  app.post(
    '/v1/ingest/:table',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        throw new AquiferError('HTTP_BODY_TOO_LARGE', `The request body is larger than ${options.maxBodyBytes} bytes`, { value: options.maxBodyBytes, hint: 'Split the records over several requests.' });
      },
    }),
    async (c) => {
      const table = c.req.param('table');
      options.project.tablePath(table);
      const requestId = c.req.header('x-request-id') ?? randomUUID();
      const idempotencyKey = c.req.header('idempotency-key');
      const records = parseBody(c.req.header('content-type') ?? '', await c.req.text(), requestId, idempotencyKey);
      const result = await (await committer(table)).submit({ id: requestId, records, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
      return c.json({ table, requestId, accepted: result.accepted, quarantined: result.quarantined, version: result.version, duplicate: result.duplicate });
    },
  );
}

/** Records of a body: elements of a JSON array, or lines of NDJSON (each line checked on its own). */
function parseBody(contentType: string, body: string, requestId: string, idempotencyKey: string | undefined): RawRecord[] {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const source = (index: number) => ({ kind: 'http' as const, requestId, index, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      throw new AquiferError('HTTP_BODY_INVALID', `The body is not valid JSON: ${(error as Error).message}`, { value: body.slice(0, 200), hint: 'Send a JSON array of objects, or NDJSON with Content-Type application/x-ndjson.' });
    }
    if (!Array.isArray(parsed)) {
      throw new AquiferError('HTTP_BODY_INVALID', 'The body must be a JSON array of records', { value: body.slice(0, 200), hint: 'Wrap the records in [ ... ], or send NDJSON with Content-Type application/x-ndjson.' });
    }
    return parsed.map((record, index) => ({ payload: JSON.stringify(record), source: source(index) }));
  }
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/json-seq' || type === 'application/jsonlines') {
    return body
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter((line) => line.trim() !== '')
      .map((line, index) => ({ payload: line, source: source(index) }));
  }
  throw new AquiferError('HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Type '${contentType || '(none)'}' is not accepted`, { value: contentType, hint: 'Send application/json (an array of records) or application/x-ndjson (one record per line).' });
}
