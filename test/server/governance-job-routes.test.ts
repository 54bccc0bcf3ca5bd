import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions } from '../../src/features/index.js';
import { erase, tagColumns } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

const GONE = 'gone-u1';
const GONE_EMAIL = 'gone@mail.example';
const DAY = 86_400_000;

let engine: Engine;
let project: Project;
let server: RunningServer;
const tokens: Record<string, string> = {};
let adminId: string;

/**
 * A project holding one subject (`gone-u1`) and one kept (`kept-u2`): `users` (email tagged
 * `pii:email`), `orders` partitioned by the id (a folder's name holds the value), the `user_stats`
 * feature view materialized into the embedded online store; and `events`, kept 30 days by `ts`.
 */
beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const dir = path.join(await tempDir('aquifer-governance-jobs-'), 'shop');
  const initial = await Project.init(dir, 'shop');
  const file = path.join(initial.root, 'aquifer.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  config['governance'] = { retention: { tables: [{ table: 'events', column: 'ts', days: 30 }] } };
  await writeFile(file, JSON.stringify(config));
  project = await Project.open(dir);
  const { table: users } = await DeltaTable.create(project.tablePath('users'), {
    engine,
    data: { sql: `SELECT * FROM (VALUES ('${GONE}', '${GONE_EMAIL}'), ('kept-u2', 'kept@mail.example')) t(user_id, email)` },
  });
  await tagColumns(users, { email: ['pii:email'] });
  await DeltaTable.create(project.tablePath('orders'), {
    engine,
    data: { sql: `SELECT * FROM (VALUES ('${GONE}', 3), ('kept-u2', 4), ('${GONE}', 5)) t(user_id, amount)` },
    partitionColumns: ['user_id'],
  });
  await DeltaTable.create(project.tablePath('user_stats'), {
    engine,
    data: {
      sql: `SELECT user_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts, visits::BIGINT AS visits FROM (VALUES ('${GONE}', 7), ('kept-u2', 9)) t(user_id, visits)`,
    },
  });
  const now = Date.now();
  await DeltaTable.create(project.tablePath('events'), {
    engine,
    data: {
      sql: `SELECT * FROM (VALUES (1, TIMESTAMPTZ '${new Date(now - 400 * DAY).toISOString()}'), (2, TIMESTAMPTZ '${new Date(now - DAY).toISOString()}')) t(id, ts)`,
    },
  });
  await writeFile(
    project.featuresPath,
    JSON.stringify({
      entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
      featureViews: [
        {
          name: 'user_stats',
          entities: ['user'],
          source: { kind: 'table', table: 'user_stats', timestampField: 'event_ts' },
          features: [{ name: 'visits', type: 'long' }],
        },
      ],
    }),
  );
  await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
  const store = await openAppliedFeatureStore(project, engine);
  await store.materialize(0, '2030-01-01T00:00:00Z');
  await store.online?.close();
  const tokenStore = TokenStore.forProject(project);
  const admin = await tokenStore.create({ role: 'admin' });
  tokens['admin'] = admin.token;
  adminId = admin.info.id;
  tokens['writer'] = (await tokenStore.create({ role: 'writer' })).token;
  tokens['governance'] = (await tokenStore.create({ role: 'reader', scopes: ['governance'] })).token;
  tokens['scopedAdmin'] = (await tokenStore.create({ role: 'admin', scopes: ['users'] })).token;
  server = await startServer({ engine, project, port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  engine?.close();
});

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(method: 'GET' | 'POST', route: string, token: string | undefined, body?: string): Promise<Answer> {
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, unknown>, headers: response.headers };
}

const post = (route: string, body: unknown, token = tokens['admin']) => call('POST', route, token, JSON.stringify(body));
const code = (answer: Answer) => `${answer.status} ${(answer.body['error'] as { code?: string } | undefined)?.code ?? ''}`;

async function lookup(userId: string): Promise<string> {
  const answer = await post('/get-online-features', { features: ['user_stats:visits'], entities: { user_id: [userId] } });
  expect(answer.status, answer.text).toBe(200);
  return ((answer.body['results'] as { statuses: string[] }[])[1] as { statuses: string[] }).statuses[0] as string;
}

/** Poll an erasure until it has ended: a generous bound on the number of polls, no timing assertion. */
async function ended(location: string): Promise<Answer> {
  for (let i = 0; i < 600; i++) {
    const answer = await call('GET', location, tokens['admin']);
    if (answer.body['status'] !== 'running') return answer;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`${location} still running`);
}

/** Whether this process (the server's) still maps an online store file the erasure replaced: Linux shows it `(deleted)`. */
async function replacedStoreMapped(): Promise<boolean> {
  const maps = await readFile('/proc/self/maps', 'utf8').catch(() => '');
  return maps.split('\n').some((line) => line.includes(path.join(project.root, '.aquifer', 'online')) && line.endsWith('(deleted)'));
}

async function rows(table: string): Promise<Record<string, unknown>[]> {
  const scan = await (await DeltaTable.open(project.tablePath(table), { engine })).scan();
  return engine.queryJson(`SELECT * FROM (${await scan.sql()}) ORDER BY ALL`);
}

describe('governance routes that delete: who may call them', () => {
  it('refuses a writer, a governance-scoped reader and a scoped admin on all three routes', async () => {
    for (const token of [tokens['writer'], tokens['governance'], tokens['scopedAdmin']]) {
      expect(code(await post('/v1/governance/erase', { entity: { user_id: GONE }, dryRun: true }, token))).toBe('403 AUTH_FORBIDDEN');
      expect(code(await call('GET', '/v1/governance/erasures/00000000-0000-0000-0000-000000000000', token))).toBe('403 AUTH_FORBIDDEN');
      expect(code(await post('/v1/governance/enforce', { dryRun: true }, token))).toBe('403 AUTH_FORBIDDEN');
    }
  });
});

describe('POST /v1/governance/erase: requests it refuses', () => {
  it('refuses both entity and where, or neither, with GOVERNANCE_ERASE_INVALID', async () => {
    expect(code(await post('/v1/governance/erase', { entity: { user_id: GONE }, where: "user_id = 'x'" }))).toBe('400 GOVERNANCE_ERASE_INVALID');
    expect(code(await post('/v1/governance/erase', {}))).toBe('400 GOVERNANCE_ERASE_INVALID');
    expect(code(await post('/v1/governance/erase', { entity: {} }))).toBe('400 GOVERNANCE_ERASE_INVALID');
  });

  it('refuses an oversized body, too many values, a long predicate and unknown fields, naming no value', async () => {
    const big = await post('/v1/governance/erase', { where: `user_id = '${'x'.repeat(70_000)}'` });
    expect(code(big)).toBe('413 HTTP_BODY_TOO_LARGE');
    const many = await post('/v1/governance/erase', { entity: { user_id: Array.from({ length: 1_001 }, (_, i) => `u${i}`) } });
    expect(code(many)).toBe('400 HTTP_BODY_INVALID');
    expect(code(await post('/v1/governance/erase', { where: `user_id = '${'x'.repeat(5_000)}'` }))).toBe('400 HTTP_BODY_INVALID');
    const unknown = await post('/v1/governance/erase', { entity: { user_id: GONE }, everywhere: true });
    expect(code(unknown)).toBe('400 HTTP_BODY_INVALID');
    const broken = await call('POST', '/v1/governance/erase', tokens['admin'], `{"entity": {"user_id": "${GONE}"`);
    expect(code(broken)).toBe('400 HTTP_BODY_INVALID');
    for (const answer of [unknown, broken]) expect(answer.text).not.toContain(GONE);
  });

  it('answers 404 GOVERNANCE_ERASURE_NOT_FOUND for an id it never started', async () => {
    expect(code(await call('GET', '/v1/governance/erasures/00000000-0000-0000-0000-000000000000', tokens['admin']))).toBe('404 GOVERNANCE_ERASURE_NOT_FOUND');
    expect(code(await call('GET', '/v1/governance/erasures/..%2Fmasking-salt', tokens['admin']))).toMatch(/^40[04] /);
  });
});

describe('erasure over HTTP', () => {
  it('answers a dry run with the plan the library gives, every place, without a file name or value', async () => {
    const answer = await post('/v1/governance/erase', { entity: { user_id: GONE }, dryRun: true });
    expect(answer.status, answer.text).toBe(200);
    const library = await erase(project, engine, { entities: [{ column: 'user_id', value: GONE }] }, { dryRun: true });
    expect(answer.body).toEqual({
      id: answer.body['id'],
      dryRun: true,
      tables: library.tables.map(({ location: _location, files, ...place }) => ({ ...place, files: files.length })),
      online: library.online,
      values: library.values,
      shortValues: library.shortValues,
    });
    expect(library.tables.map((t) => t.name)).toEqual(['orders', 'user_stats', 'users']);
    expect(library.online).toEqual([{ view: 'user_stats', keys: 1, stored: 1 }]);
    // The library names the files: one of them sits in the folder `user_id=gone-u1`.
    expect(JSON.stringify(library)).toContain(GONE);
    expect(answer.text).not.toContain(GONE);
    expect(answer.text).not.toContain(project.root);

    // By a predicate: the subjects it matches, as the library plans them.
    const where = "user_id = 'kept-u2'";
    const byWhere = await post('/v1/governance/erase', { where, dryRun: true });
    expect(byWhere.status, byWhere.text).toBe(200);
    const planned = await erase(project, engine, { where }, { dryRun: true });
    expect((byWhere.body['tables'] as { name: string; rows: number }[]).map((t) => [t.name, t.rows])).toEqual(planned.tables.map((t) => [t.name, t.rows]));
    expect(byWhere.body['values']).toBe(planned.values);
  });

  it('erases after a 202, refuses a second job meanwhile, and reports success with a clean proof', async () => {
    const before = { orders: await rows('orders'), users: await rows('users'), stats: await rows('user_stats') };
    // The server's own feature store is open (a lookup read it) while the erasure rebuilds the store.
    expect(await lookup(GONE)).toBe('PRESENT');

    const started = await post('/v1/governance/erase', { entity: { user_id: GONE } });
    expect(started.status, started.text).toBe(202);
    const id = started.body['id'] as string;
    expect(started.headers.get('location')).toBe(`/v1/governance/erasures/${id}`);
    expect(code(await post('/v1/governance/erase', { entity: { user_id: 'kept-u2' } }))).toBe('409 GOVERNANCE_JOB_IN_PROGRESS');
    expect(code(await post('/v1/governance/enforce', {}))).toBe('409 GOVERNANCE_JOB_IN_PROGRESS');

    const done = await ended(`/v1/governance/erasures/${id}`);
    expect(done.body, done.text).toMatchObject({
      id,
      status: 'succeeded',
      request: { entities: 1, where: false },
      report: { id, dryRun: false, proof: { hits: [] } },
    });
    expect(done.text).not.toContain(GONE);
    expect(done.text).not.toContain(GONE_EMAIL);
    expect(done.text).not.toContain(project.root);

    const kept = (list: Record<string, unknown>[]) => list.filter((r) => r['user_id'] !== GONE);
    expect(await rows('orders')).toEqual(kept(before.orders));
    expect(await rows('users')).toEqual(kept(before.users));
    expect(await rows('user_stats')).toEqual(kept(before.stats));
    expect(await readdir(project.tablePath('orders'))).toEqual(['_delta_log', 'user_id=kept-u2']);
    // The server reopened its store on the rebuilt file: the subject is gone, the others served,
    // and no mapping of the replaced file (whose freed pages still hold the subject) stays open.
    expect(await lookup(GONE)).toBe('NOT_FOUND');
    expect(await lookup('kept-u2')).toBe('PRESENT');
    expect(await replacedStoreMapped()).toBe(false);

    // The request's audit entry names the route and the caller, never the subject.
    const audit = await call('GET', '/v1/audit?limit=1000', tokens['admin']);
    const entries = audit.body['entries'] as { action: string; status: number; principal: string; principalKind: string }[];
    expect(entries.filter((e) => e.action === 'POST /v1/governance/erase' && e.status === 202)).toEqual([
      expect.objectContaining({ principal: adminId, principalKind: 'token' }),
    ]);
    expect(audit.text).not.toContain(GONE);
    for (const name of await readdir(path.join(project.root, '.aquifer'), { recursive: true })) {
      const file = path.join(project.root, '.aquifer', name);
      const bytes = await readFile(file).catch(() => undefined);
      if (bytes !== undefined) expect(bytes.includes(GONE), name).toBe(false);
    }

    // A restarted server still answers for it.
    await server.close();
    server = await startServer({ engine, project, port: 0 });
    expect((await call('GET', `/v1/governance/erasures/${id}`, tokens['admin'])).body).toEqual(done.body);
  }, 300_000);
});

describe('POST /v1/governance/enforce', () => {
  it('counts on a dry run, then deletes the rows past retention and reports them per table', async () => {
    const dry = await post('/v1/governance/enforce', { dryRun: true });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, tables: [{ table: 'events', rowsExpired: 1, rowsDeleted: 0 }], skipped: [] });
    expect((await rows('events')).map((r) => r['id'])).toEqual([1, 2]);

    const done = await post('/v1/governance/enforce', {});
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ dryRun: false, tables: [{ table: 'events', rowsExpired: 1, rowsDeleted: 1, version: 1 }] });
    expect(done.text).not.toContain(project.root);
    expect((await rows('events')).map((r) => r['id'])).toEqual([2]);
    expect(code(await post('/v1/governance/enforce', { dryRun: 'yes' }))).toBe('400 HTTP_BODY_INVALID');
  }, 120_000);
});
