import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { tagColumns, type TaggedColumn } from '../../src/governance/index.js';
import { recordLineage } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let server: RunningServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-governance-routes-'), 'shop'), 'shop');
  const recorder = recordLineage(project, engine);
  const { table: users } = await DeltaTable.create(project.tablePath('users'), {
    engine,
    data: { sql: "SELECT * FROM (VALUES ('u1', 'Ann@Example.org', 'Ann', 3)) t(user_id, email, first_name, visits)" },
  });
  await tagColumns(users, { email: ['pii:email'], first_name: ['pii:name', 'team:crm'] });
  await DeltaTable.create(project.tablePath('clean_users'), {
    engine,
    data: { sql: `SELECT user_id, lower(email) AS email_norm, visits FROM (${await (await users.scan()).sql()})` },
  });
  await recorder.close();
  const store = TokenStore.forProject(project);
  tokens['admin'] = (await store.create({ role: 'admin' })).token;
  tokens['reader'] = (await store.create({ role: 'reader' })).token;
  tokens['governance'] = (await store.create({ role: 'reader', scopes: ['governance'] })).token;
  tokens['users'] = (await store.create({ role: 'reader', scopes: ['users'] })).token;
  tokens['scopedAdmin'] = (await store.create({ role: 'admin', scopes: ['users'] })).token;
  server = await startServer({ engine, project, port: 0 });
});

afterAll(async () => {
  await server?.close();
  engine?.close();
});

const get = async (url: string, token?: string) => {
  const response = await fetch(`${server.url}${url}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const code = (answer: { status: number; body: Record<string, unknown> }) =>
  `${answer.status} ${(answer.body['error'] as { code?: string } | undefined)?.code ?? ''}`;

describe('GET /v1/governance/report', () => {
  it('answers the report, derived columns with their paths, to an admin token and to a token with the governance scope', async () => {
    for (const token of [tokens['admin'], tokens['governance']]) {
      const answer = await get('/v1/governance/report', token);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        columns: [
          {
            table: 'clean_users',
            column: 'email_norm',
            tags: ['pii:email'],
            declared: false,
            from: [{ table: 'users', column: 'email' }],
            path: ['users.email', 'clean_users.email_norm'],
          },
          { table: 'users', column: 'email', tags: ['pii:email'], declared: true },
          { table: 'users', column: 'first_name', tags: ['pii:name', 'team:crm'], declared: true },
        ] satisfies TaggedColumn[],
        total: 3,
        offset: 0,
        limit: 1000,
      });
    }
  });

  it('answers a page of it with limit and offset', async () => {
    const answer = await get('/v1/governance/report?limit=1&offset=1', tokens['admin']);
    expect(answer.body).toMatchObject({ total: 3, offset: 1, limit: 1, columns: [{ table: 'users', column: 'email' }] });
  });

  it('refuses a reader, a token scoped to tables (even an admin one) and no token, with typed errors', async () => {
    expect(code(await get('/v1/governance/report', tokens['reader']))).toBe('403 AUTH_FORBIDDEN');
    expect(code(await get('/v1/governance/report', tokens['users']))).toBe('403 AUTH_FORBIDDEN');
    expect(code(await get('/v1/governance/report', tokens['scopedAdmin']))).toBe('403 AUTH_FORBIDDEN');
    expect(code(await get('/v1/governance/report'))).toBe('401 AUTH_TOKEN_MISSING');
  });

  it('refuses a limit out of bounds or not a number', async () => {
    for (const query of ['limit=0', 'limit=10001', 'limit=ten', 'offset=-1'])
      expect(code(await get(`/v1/governance/report?${query}`, tokens['admin'])), query).toBe('400 HTTP_QUERY_INVALID');
  });
});

describe('GET /v1/tables/{name}/tags', () => {
  it("answers a table's tagged columns to a reader, a token scoped to the table and the governance scope", async () => {
    for (const token of [tokens['reader'], tokens['users'], tokens['governance']]) {
      const answer = await get('/v1/tables/users/tags', token);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        table: 'users',
        version: 1,
        columns: [
          { column: 'email', tags: ['pii:email'] },
          { column: 'first_name', tags: ['pii:name', 'team:crm'] },
        ],
      });
    }
  });

  it('answers the tags a version had', async () => {
    expect((await get('/v1/tables/users/tags?version=0', tokens['reader'])).body).toEqual({ table: 'users', version: 0, columns: [] });
  });

  it('refuses a token scoped to another table, and names an unknown table without saying where tables lie', async () => {
    expect(code(await get('/v1/tables/clean_users/tags', tokens['users']))).toBe('403 AUTH_FORBIDDEN');
    const missing = await get('/v1/tables/nope/tags', tokens['reader']);
    expect(code(missing)).toBe('404 TABLE_NOT_FOUND');
    expect(JSON.stringify(missing.body)).not.toContain(project.root);
    expect(JSON.stringify(missing.body)).not.toContain('<path>');
    expect(code(await get('/v1/tables/users/tags?version=x', tokens['reader']))).toBe('400 HTTP_QUERY_INVALID');
    expect(code(await get('/v1/tables/users/tags?version=9', tokens['reader']))).toMatch(/^4\d\d /);
  });
});
