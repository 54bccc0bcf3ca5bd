import type { Hono } from 'hono';
import { AuditLog, DEFAULT_AUDIT_LIMIT, type AuditLogFilter } from '../audit/index.js';
import type { Engine } from '../engine/index.js';
import { AquiferError } from '../errors.js';
import type { Project } from '../project/index.js';

/** Most entries one request may ask for. */
const MAX_LIMIT = 10_000;

/**
 * `GET /v1/audit?table=&since=&principal=&limit=`: the audit log's entries, newest first, for
 * admins. Entries still lingering in the recorder's batch are committed first (`flush`), so
 * the answer includes every request that ended before this one.
 */
export function registerAuditRoute(app: Hono, options: { project: Project; engine: Engine; flush?: () => Promise<void> }): void {
  const log = AuditLog.forProject(options.project, options.engine);
  app.get('/v1/audit', async (c) => {
    const filter: AuditLogFilter = { limit: limitOf(c.req.query('limit')) };
    const table = c.req.query('table');
    const principal = c.req.query('principal');
    const since = c.req.query('since');
    if (table !== undefined && table !== '') filter.table = table;
    if (principal !== undefined && principal !== '') filter.principal = principal;
    if (since !== undefined && since !== '') filter.since = sinceOf(since);
    await options.flush?.();
    const entries = await log.list(filter);
    return c.json({ entries: entries.map((e) => ({ ...e, time: e.time.toISOString() })) });
  });
}

function limitOf(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_AUDIT_LIMIT;
  const limit = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new AquiferError('HTTP_QUERY_INVALID', `limit '${text.slice(0, 20)}' is not a whole number from 1 to ${MAX_LIMIT}`, {
      value: 'limit',
      hint: `Send ?limit=1..${MAX_LIMIT}.`,
    });
  return limit;
}

function sinceOf(text: string): Date {
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new AquiferError('HTTP_QUERY_INVALID', `since '${text.slice(0, 40)}' is not an ISO 8601 time`, {
      value: 'since',
      hint: 'Send ?since=2026-01-31T00:00:00Z.',
    });
  return new Date(time);
}
