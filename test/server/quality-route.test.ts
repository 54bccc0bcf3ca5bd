import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { writeSuite, type SuiteValidationResult } from '../../src/quality/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let server: RunningServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-quality-route-'), 'project'));
  await DeltaTable.create(project.tablePath('orders'), {
    engine,
    data: { sql: `SELECT i::BIGINT AS id, CASE WHEN i IN (4, 7) THEN 250 ELSE i END::DOUBLE AS amount FROM range(10) t(i)` },
    preserveOrder: true,
  });
  await writeSuite(project, {
    name: 'orders_checks',
    expectations: [
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 100 } },
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } },
    ],
  });
  // Written as a file would be by hand: an unknown type is only found when the suite is used.
  await writeSuite(project, { name: 'broken', expectations: [{ type: 'expect_the_moon_to_be_cheese', kwargs: {} }] });
  const store = TokenStore.forProject(project);
  tokens['reader'] = (await store.create({ role: 'reader' })).token;
  tokens['scoped'] = (await store.create({ role: 'reader', scopes: ['other_table'] })).token;
  server = await startServer({ engine, project, port: 0 });
});

afterAll(async () => {
  await server?.close();
  engine?.close();
});

const validate = async (body: unknown, token?: string) => {
  const response = await fetch(`${server.url}/v1/quality/validate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const code = (answer: { status: number; body: Record<string, unknown> }) =>
  `${answer.status} ${(answer.body['error'] as { code?: string } | undefined)?.code ?? ''}`;

describe('POST /v1/quality/validate', () => {
  it("answers GE's validation result to a reader token, a failed suite included, and keeps it in the project", async () => {
    const answer = await validate({ table: 'orders', suite: 'orders_checks', result_format: 'COMPLETE', id_columns: ['id'] }, tokens['reader']);
    expect(answer.status).toBe(200);
    const result = answer.body as unknown as SuiteValidationResult;
    expect(result).toMatchObject({
      success: false,
      suite_name: 'orders_checks',
      statistics: { evaluated_expectations: 2, successful_expectations: 1 },
      meta: { aquifer: { table: 'orders', version: 0, failing_rows: 2 } },
    });
    expect(result.results[0]?.result).toMatchObject({
      unexpected_count: 2,
      unexpected_index_list: [
        { amount: 250, id: 4 },
        { amount: 250, id: 7 },
      ],
    });
    // The server's own folders are not the caller's business.
    expect(JSON.stringify(result)).not.toContain(project.root);
    const kept = await DeltaTable.open(path.join(project.root, 'tables', '_quality_results'), { engine });
    expect(await (await kept.scan({ where: `validation_id = '${String(result.id)}'` })).count()).toBe(2);
  });

  it("validates Aquifer's own tables (a model's prediction log), which it only reads", async () => {
    await DeltaTable.create(project.tablePath('orders__predictions', { internal: true }), {
      engine,
      data: { sql: `SELECT i::DOUBLE AS amount FROM range(3) t(i)` },
    });
    const answer = await validate({ table: 'orders__predictions', suite: 'orders_checks' }, tokens['reader']);
    expect([answer.status, answer.body['success']]).toEqual([200, true]);
  });

  it('refuses a call without a token, or with a token whose scopes do not cover the table', async () => {
    expect(code(await validate({ table: 'orders', suite: 'orders_checks' }))).toBe('401 AUTH_TOKEN_MISSING');
    expect(code(await validate({ table: 'orders', suite: 'orders_checks' }, tokens['scoped']))).toBe('403 AUTH_FORBIDDEN');
  });

  it('answers typed errors for an invalid suite, a missing suite or table, and a bad body', async () => {
    const reader = tokens['reader'];
    expect(code(await validate({ table: 'orders', suite: 'broken' }, reader))).toBe('400 QUALITY_SUITE_INVALID');
    expect(code(await validate({ table: 'orders', suite: 'nope' }, reader))).toBe('404 QUALITY_SUITE_NOT_FOUND');
    expect(code(await validate({ table: 'nope', suite: 'orders_checks' }, reader))).toBe('404 TABLE_NOT_FOUND');
    expect(code(await validate({ table: '../orders', suite: 'orders_checks' }, reader))).toBe('400 PROJECT_TABLE_NAME_INVALID');
    expect(code(await validate({ table: 'orders', suite: 'orders_checks', result_format: 'EVERYTHING' }, reader))).toBe('400 QUALITY_SUITE_INVALID');
    expect(code(await validate({ table: 'orders', suite: 'orders_checks', version: 9 }, reader))).toMatch(/^404 TABLE_VERSION/);
    expect(code(await validate({ table: 'orders' }, reader))).toBe('400 HTTP_BODY_INVALID');
    expect(code(await validate({ table: 'orders', suite: 'orders_checks', extra: 1 }, reader))).toBe('400 HTTP_BODY_INVALID');
    expect(code(await validate('{"table": ', reader))).toBe('400 HTTP_BODY_INVALID');
  });
});
