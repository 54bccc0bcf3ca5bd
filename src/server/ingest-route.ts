import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { AquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import {
  checkIdempotencyKey,
  type CommitOutcome,
  DEFAULT_IDEMPOTENCY_WINDOW,
  GroupCommitter,
  IngestTarget,
  jsonArrayElements,
  requestDigest,
  type RawRecord,
  type Submission,
} from '../ingest/index.js';
import type { DatasetRef, JobSpec } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { gateFor } from '../quality/index.js';
import { IDEMPOTENCY_KEY_RETENTION_PROPERTY, txnExpiry } from '../table/index.js';
import { currentAuditScope } from '../audit/index.js';
import { contextOf } from './request-context.js';

export interface IngestRouteOptions {
  engine: Engine;
  project: Project;
  /**
   * How long an Idempotency-Key is remembered (Delta interval text, e.g. 'interval 24 hours'):
   * the `aquifer.idempotencyKeyRetentionDuration` of tables this route creates. A table that
   * exists keeps its own setting (none: keys never expire).
   */
  idempotencyWindow?: string;
  /** Told of each group commit, per table (the server's metrics). */
  onCommit?: (table: string, outcome: CommitOutcome) => void;
}

/**
 * `POST /v1/ingest/{table}`: a JSON array or NDJSON body of records, optionally with an
 * `Idempotency-Key` header (a retried request with the same key and body is not written
 * twice; the same key with another body is refused with 422 INGEST_IDEMPOTENCY_KEY_REUSED).
 * Answers with rows accepted, rows quarantined and the table version; on a table with a
 * quality gate, a request its suite blocks is refused (422 QUALITY_GATE_BLOCKED, nothing
 * written) and one it lets through with failures carries `warnings`. A body that is too
 * large, not JSON or of another content type is refused with nothing written.
 */
export function registerIngestRoute(app: Hono, options: IngestRouteOptions): void {
  const window = options.idempotencyWindow ?? DEFAULT_IDEMPOTENCY_WINDOW;
  // A window that is not a Delta interval fails here, at start-up, not in every later request to the tables it made.
  txnExpiry({ [IDEMPOTENCY_KEY_RETENTION_PROPERTY]: window });
  const committers = new Map<string, Promise<GroupCommitter>>();
  const onCommit = options.onCommit;
  const committer = (table: string) => {
    let found = committers.get(table);
    if (found === undefined) {
      const createIfMissing = { properties: { [IDEMPOTENCY_KEY_RETENTION_PROPERTY]: window } };
      const location = options.project.tablePath(table);
      // The gate is read with the table's committer: a suite edited later applies after a restart, as aquifer.json does.
      found = gateFor(options.project, location)
        .then((gate) => IngestTarget.open(location, { engine: options.engine, createIfMissing, stores: options.project.stores, gate }))
        .then(
          (target) =>
            new GroupCommitter(target, {
              jobRun: (submissions) => httpIngestRun(options.project, table, submissions),
              ...(onCommit === undefined ? {} : { onCommit: (outcome: CommitOutcome) => onCommit(table, outcome) }),
            }),
        );
      committers.set(table, found);
      found.catch(() => committers.delete(table));
    }
    return found;
  };

  app.post('/v1/ingest/:table', async (c) => {
    const table = c.req.param('table');
    options.project.tablePath(table);
    const requestId = c.req.header('x-request-id') ?? randomUUID();
    const keyHeader = c.req.header('idempotency-key');
    const idempotencyKey = keyHeader === undefined ? undefined : checkIdempotencyKey(keyHeader);
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    // Behind the server, the pipeline has read and decoded the body already.
    const context = contextOf(c.env);
    const body = context?.body ?? Buffer.from(await c.req.arrayBuffer());
    const text = context?.text ?? body.toString('utf8');
    const records = parseBody(type, text, requestId, idempotencyKey);
    // The key is kept with a digest of what it was used for: media type and body bytes.
    const keyed = idempotencyKey === undefined ? {} : { idempotencyKey, digest: requestDigest([type, body]) };
    const signal = context?.signal;
    const result = await (await committer(table)).submit({ id: requestId, records, bytes: body.length, ...keyed, ...(signal === undefined ? {} : { signal }) });
    // The commit may hold other requests' records too: the audit entry gets this request's own.
    currentAuditScope()?.declare(result.duplicate ? [] : [{ location: options.project.tablePath(table), version: result.version, rows: result.accepted }]);
    return c.json({
      table,
      requestId,
      accepted: result.accepted,
      quarantined: result.quarantined,
      version: result.version,
      duplicate: result.duplicate,
      ...(result.warnings === undefined ? {} : { warnings: result.warnings }),
    });
  });
}

/**
 * A commit of requests to `POST /v1/ingest/{table}` as a job run `ingest.http.<table>`: its
 * input is the route (a dataset of the project's namespace named by its path), with the
 * records the commit took and the requests' idempotency keys as parameters.
 */
function httpIngestRun(project: Project, table: string, submissions: readonly Submission[]): { job: JobSpec; inputs: readonly DatasetRef[] } {
  const keys = submissions.flatMap((s) => (s.idempotencyKey === undefined ? [] : [s.idempotencyKey]));
  const records = submissions.reduce((n, s) => n + s.records.length, 0);
  return {
    job: {
      name: `ingest.http.${table}`,
      type: 'INGEST',
      processing: 'STREAMING',
      project: project.root,
      ...(keys.length === 0 ? {} : { parameters: { idempotencyKey: keys.join(',') } }),
    },
    inputs: [httpDataset(project, `/v1/ingest/${table}`, records)],
  };
}

/** An HTTP route as a dataset: Aquifer's logical namespace of the project, the route's path as name. */
export function httpDataset(project: Project, route: string, records: number): DatasetRef {
  return { namespace: `aquifer://${project.config.name}`, name: route, kind: 'http', statistics: { rowCount: records } };
}

/**
 * Records of a body: elements of a JSON array, or lines of NDJSON (each line checked on
 * its own). Each record is its own text as sent, never a re-serialized value, so both
 * forms give the same answer and the quarantine holds what was sent. The request pipeline
 * has already refused other content types and bodies that are not UTF-8 (decoding those
 * would replace bytes with U+FFFD), so the text is exactly the bytes sent.
 */
function parseBody(type: string, text: string, requestId: string, idempotencyKey: string | undefined): RawRecord[] {
  const source = (index: number) => ({ kind: 'http' as const, requestId, index, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
  // A byte order mark says how the text is encoded; it is not part of the first record.
  const body = text.replace(/^\uFEFF/, '');
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      throw new AquiferError('HTTP_BODY_INVALID', `The body is not valid JSON: ${(error as Error).message}`, {
        value: body.slice(0, 200),
        hint: 'Send a JSON array of objects, or NDJSON with Content-Type application/x-ndjson.',
      });
    }
    if (!Array.isArray(parsed)) {
      throw new AquiferError('HTTP_BODY_INVALID', 'The body must be a JSON array of records', {
        value: body.slice(0, 200),
        hint: 'Wrap the records in [ ... ], or send NDJSON with Content-Type application/x-ndjson.',
      });
    }
    return jsonArrayElements(body).map((record, index) => ({ payload: record, source: source(index) }));
  }
  // One of NDJSON_TYPES (pipeline/routes.ts): a record per line.
  return body
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '')
    .map((line, index) => ({ payload: line, source: source(index) }));
}
