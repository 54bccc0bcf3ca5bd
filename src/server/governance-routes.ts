import type { Context, Hono } from 'hono';
import type { Engine } from '../engine/index.js';
import { AquiferError } from '../errors.js';
import { governanceReport, tableTags } from '../governance/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, TableNotFoundError } from '../table/index.js';
import type { LineageEventSource } from './lineage-routes.js';
import { contextOf } from './request-context.js';

/** Columns one report answer holds at most: a project's tagged columns number in the thousands at worst. */
export const MAX_REPORT_COLUMNS = 10_000;
const DEFAULT_REPORT_COLUMNS = 1_000;

export interface GovernanceRouteOptions {
  engine: Engine;
  project: Project;
  /** The run events the report follows: the project's lineage log by default. */
  events?: LineageEventSource;
}

/**
 * `GET /v1/governance/report`: the governance report (every tagged column, declared or derived
 * through lineage, with its path), a page of it at a time; `GET /v1/tables/{name}/tags`: the
 * tags a table's schema gives its columns. Errors name the table as asked, never where it lies.
 */
export function registerGovernanceRoutes(app: Hono, options: GovernanceRouteOptions): void {
  const { engine, project } = options;
  app.get('/v1/governance/report', async (c) => {
    const limit = integer(c, 'limit', DEFAULT_REPORT_COLUMNS, 1, MAX_REPORT_COLUMNS);
    const offset = integer(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const report = await governanceReport(project, engine, options.events === undefined ? {} : { events: await options.events() });
    contextOf(c.env)?.signal.throwIfAborted();
    return c.json({ columns: report.columns.slice(offset, offset + limit), total: report.columns.length, offset, limit });
  });

  app.get('/v1/tables/:name/tags', async (c) => {
    const name = c.req.param('name');
    const version = c.req.query('version') === undefined ? undefined : integer(c, 'version', 0, 0, Number.MAX_SAFE_INTEGER);
    const location = project.tablePath(name, { internal: true });
    try {
      const tags = await tableTags(await DeltaTable.open(location, { engine, stores: project.stores }), version);
      return c.json({ table: name, version: tags.version, columns: tags.columns });
    } catch (error) {
      if (error instanceof TableNotFoundError)
        throw new AquiferError('TABLE_NOT_FOUND', `No table '${name}' in the project`, {
          value: { table: name },
          hint: 'Name a table of the project (aquifer table list).',
          cause: error,
        });
      throw error;
    }
  });
}

function integer(c: Context, name: string, fallback: number, min: number, max: number): number {
  const text = c.req.query(name);
  if (text === undefined || text === '') return fallback;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max))
    throw new AquiferError('HTTP_QUERY_INVALID', `The query parameter '${name}' must be a whole number from ${min} to ${max}`, {
      value: { [name]: text.slice(0, 40) },
      hint: `Send ?${name}=${Math.max(min, Math.min(fallback, max))}.`,
    });
  return value;
}
