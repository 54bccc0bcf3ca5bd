import type { Hono } from 'hono';
import { z } from 'zod';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { readSuite, validateAndRecord } from '../quality/index.js';
import { DeltaTable, type DataType } from '../table/index.js';
import { parseJsonBody } from './json-body.js';
import { contextOf } from './request-context.js';
import { readTags } from '../governance/index.js';
import { maskValidationResult } from './quality-masking.js';
import type { ResponseMasking } from './response-masking.js';

/** The body of `POST /v1/quality/validate`; `result_format` is GE's (a level or a dict), checked by the validation. */
const ValidateBody = z.strictObject({
  table: z.string().min(1),
  suite: z.string().min(1),
  version: z.number().int().min(0).optional(),
  result_format: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  id_columns: z.array(z.string().min(1)).max(32).optional(),
});

const HINT =
  'Send {"table": "events", "suite": "events_checks", "version": 3, "result_format": "COMPLETE", "id_columns": ["id"]}; only table and suite are required.';

/**
 * `POST /v1/quality/validate`: validate a table of the project against one of its suites
 * and answer GE's validation result, kept in the project's results tables as the CLI keeps
 * it. A suite that fails is a 200 with `"success": false`: the validation ran.
 */
export function registerQualityRoute(app: Hono, options: { engine: Engine; project: Project; masking?: ResponseMasking }): void {
  app.post('/v1/quality/validate', async (c) => {
    const context = contextOf(c.env);
    const body = parseJsonBody(ValidateBody, context?.text ?? (await c.req.text()), HINT);
    const location = options.project.tablePath(body.table, { internal: true });
    const suite = await readSuite(options.project, body.suite);
    const table = await DeltaTable.open(location, { engine: options.engine, stores: options.project.stores });
    context?.signal.throwIfAborted();
    const recorded = await validateAndRecord(options.project, table, suite, {
      tableName: body.table,
      ...(body.version === undefined ? {} : { version: body.version }),
      ...(body.result_format === undefined ? {} : { resultFormat: body.result_format }),
      ...(body.id_columns === undefined ? {} : { idColumns: body.id_columns }),
    });
    const mask = await options.masking?.masker(context?.principal);
    let result = recorded.result;
    if (mask !== undefined) {
      const [tags, types] = await columnsOf(table, body.version);
      result = maskValidationResult(result, tags, mask, types);
    }
    // Locations of the results tables are the server's business, not the caller's.
    const { results_table: _results, failures_table: _failures, table: _table, ...aquifer } = result.meta['aquifer'] as Record<string, unknown>;
    return c.json({ ...result, meta: { ...result.meta, aquifer: { ...aquifer, table: body.table } } });
  });
}

/**
 * Each column's tags and type (by name, any case) in the version validated, with those the latest
 * version gives it (tags arrive after the data they describe); a name that is no column
 * (an alias in a custom SQL expectation's query) has every tag of the table, since its values
 * may come from any column.
 */
async function columnsOf(
  table: DeltaTable,
  version: number | undefined,
): Promise<[tags: (column: string) => readonly string[], type: (column: string) => DataType | undefined]> {
  const at = version === undefined ? {} : { version };
  const [fields, tagsOf] = [(await table.snapshot(at)).schema.fields, await readTags(table, at)];
  const tags = new Map(fields.map((f) => [f.name.toLowerCase(), tagsOf(f)]));
  const types = new Map(fields.map((f) => [f.name.toLowerCase(), f.type]));
  const all = [...new Set([...tags.values()].flat())];
  return [(column) => tags.get(column.toLowerCase()) ?? all, (column) => types.get(column.toLowerCase())];
}
