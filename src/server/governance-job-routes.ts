import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Engine } from '../engine/index.js';
import { AquiferError, ERROR_CODES, isAquiferError, isErrorCode } from '../errors.js';
import { enforceRetention, erase, EraseInvalidError, type EraseRequest } from '../governance/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { erasureAnswer, retentionAnswer } from './erasure-answer.js';
import type { FeatureStoreOpener } from './feature-routes.js';
import type { GovernanceJobs } from './governance-jobs.js';
import { statusFor } from './http-status.js';
import { parseJsonBody } from './json-body.js';
import { contextOf } from './request-context.js';

/** Largest erase body, in bytes: a list of subjects, not a data upload (the server's own limit is far larger). */
export const MAX_ERASE_BODY_BYTES = 64 * 1024;
/** Most entity columns one erase names. */
export const MAX_ERASE_COLUMNS = 16;
/** Most entity values one erase names, over all its columns. */
export const MAX_ERASE_VALUES = 1_000;
/** Longest `where` predicate, in characters. */
export const MAX_ERASE_WHERE_CHARS = 4_096;

const Value = z.union([z.string().min(1).max(1_024), z.number().int()]);
const EraseBody = z.strictObject({
  entity: z.record(z.string().min(1).max(256), z.union([Value, z.array(Value).min(1).max(MAX_ERASE_VALUES)])).optional(),
  where: z.string().min(1).max(MAX_ERASE_WHERE_CHARS).optional(),
  dryRun: z.boolean().optional(),
});
const ERASE_HINT =
  'Send {"entity": {"user_id": "u123"}} (a list for several values: {"user_id": ["u1", "u2"]}) or {"where": "..."}, and "dryRun": true to list the places first.';
const EnforceBody = z.strictObject({ dryRun: z.boolean().optional() });
const ENFORCE_HINT = 'Send {} to enforce, {"dryRun": true} to count the rows past their period.';

export interface GovernanceJobRouteOptions {
  engine: Engine;
  project: Project;
  jobs: GovernanceJobs;
  /** The server's feature store, closed while an erasure rebuilds the embedded online store. */
  featureStore: FeatureStoreOpener;
}

/**
 * The server half of erasure and retention, admin only: `POST /v1/governance/erase` (a dry
 * run's plan at once; an erasure answered 202 with its id, run in the server, its end in `GET
 * /v1/governance/erasures/{id}`), and `POST /v1/governance/enforce` (retention, answered when
 * done: one delete and at most one compaction per table, seconds where an erasure's proof
 * scan of every file can take minutes). One at a time per server (GovernanceJobs). Answers
 * carry counts and names, never the values erased, the predicate or a location.
 */
export function registerGovernanceJobRoutes(app: Hono, options: GovernanceJobRouteOptions): void {
  const { engine, project, jobs } = options;

  app.post('/v1/governance/erase', async (c) => {
    const text = contextOf(c.env)?.text ?? (await c.req.text());
    const { request, dryRun, count } = eraseRequest(text);
    if (dryRun) {
      const report = await jobs.exclusive('an erasure dry run', () => withoutValues(erase(project, engine, request, { dryRun: true })));
      return c.json(erasureAnswer(report, project));
    }
    const id = randomUUID();
    // The embedded online store is rebuilt in place: this process must not hold the old file meanwhile.
    const suspend = project.config.backends.onlineStore?.type === 'redis' ? undefined : options.featureStore.suspend;
    const work = () => erase(project, engine, request, { id });
    const record = jobs.startErasure(id, count, async () => erasureAnswer(await (suspend === undefined ? work() : suspend(work)), project));
    return c.json({ id, status: record.status }, 202, { location: `/v1/governance/erasures/${id}` });
  });

  app.get('/v1/governance/erasures/:id', async (c) => c.json(await jobs.erasure(c.req.param('id'))));

  app.post('/v1/governance/enforce', async (c) => {
    const body = parseJsonBody(EnforceBody, contextOf(c.env)?.text ?? (await c.req.text()), ENFORCE_HINT);
    const report = await jobs.exclusive('a retention enforcement', () => enforceRetention(project, engine, { dryRun: body.dryRun === true }));
    return c.json(retentionAnswer(report));
  });
}

/** The library's request from the body: entities (or a predicate, never both), as `aquifer erase --entity|--where` takes them. */
function eraseRequest(text: string): { request: EraseRequest; dryRun: boolean; count: { entities: number; where: boolean } } {
  if (Buffer.byteLength(text) > MAX_ERASE_BODY_BYTES)
    throw new AquiferError('HTTP_BODY_TOO_LARGE', `An erase body is at most ${MAX_ERASE_BODY_BYTES} bytes`, {
      value: { limit: MAX_ERASE_BODY_BYTES },
      hint: `Erase at most ${MAX_ERASE_VALUES} subjects per request.`,
    });
  // Not the parser's message on bad JSON: it quotes the body, which holds the values to erase.
  const body = parseJsonBody(EraseBody, text, ERASE_HINT, { parserMessage: false });
  const named = (body.entity === undefined ? [] : ['entity']).concat(body.where === undefined ? [] : ['where']);
  if (named.length !== 1 || (body.entity !== undefined && Object.keys(body.entity).length === 0))
    // The fields are named, never their values.
    throw new EraseInvalidError(
      named.length === 2 ? 'An erase names entities or a predicate, not both' : 'Nothing to erase was named',
      { fields: named },
      ERASE_HINT,
    );
  const entities = Object.entries(body.entity ?? {}).flatMap(([column, values]) =>
    (Array.isArray(values) ? values : [values]).map((value) => ({ column, value: String(value) })),
  );
  if (Object.keys(body.entity ?? {}).length > MAX_ERASE_COLUMNS || entities.length > MAX_ERASE_VALUES)
    throw new AquiferError('HTTP_BODY_INVALID', `An erase names at most ${MAX_ERASE_COLUMNS} columns and ${MAX_ERASE_VALUES} values`, {
      value: { columns: Object.keys(body.entity ?? {}).length, values: entities.length },
      hint: 'Split the subjects over several erasures.',
    });
  return {
    request: body.where === undefined ? { entities } : { where: body.where },
    dryRun: body.dryRun === true,
    count: { entities: entities.length, where: body.where !== undefined },
  };
}

/**
 * A dry run's failure as the server may log and answer it: a fault (a 5xx) becomes its code and
 * the catalogue's summary, and only the code is logged, since its message and value may hold the
 * subject's values (the SQL of `user_id IN ('u123')`, a row DuckDB quotes). A 4xx, written for the
 * caller, goes on as it is.
 */
async function withoutValues<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const code = isAquiferError(error) && isErrorCode(error.code) ? error.code : 'INTERNAL';
    const status = statusFor(code);
    if (status < 500 || status === 503) throw error;
    log.error({ code }, 'an erasure dry run failed');
    throw new AquiferError(code, ERROR_CODES[code].summary);
  }
}
