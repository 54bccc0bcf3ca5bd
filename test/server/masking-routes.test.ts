import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions } from '../../src/features/index.js';
import { applyDefinitionTags, hashValue, projectSalt, REDACTED, saltFile, scanAs, tagColumns } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { writeSuite } from '../../src/quality/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import type { OpenLineageRunEvent } from '../../src/lineage/index.js';
import { tableDataset } from '../../src/observe/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let server: RunningServer;
let salt: Buffer;
const tokens: Record<string, string> = {};

const USERS = `SELECT * FROM (VALUES
  (1::BIGINT, 'ann@example.com', 'Utrecht', 5100.0::DOUBLE, 3::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00'),
  (2::BIGINT, 'bob@example.org', 'Gent', 4200.0::DOUBLE, 8::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00')
) t(user_id, email, city, salary, logins, event_ts)`;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const root = path.join(await tempDir('aquifer-masking-routes-'), 'project');
  await Project.init(root);
  // The policy: emails hashed (also the default), places redacted, anything sensitive nulled.
  const configFile = path.join(root, 'aquifer.json');
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  await writeFile(configFile, JSON.stringify({ ...config, governance: { masking: { 'pii:email': 'hash', 'pii:location': 'redact', sensitive: 'null' } } }));
  project = await Project.open(root);
  const { table: users } = await DeltaTable.create(project.tablePath('users'), { engine, data: { sql: USERS }, preserveOrder: true });
  // One tag set on the table, the rest declared in the definitions and set by apply.
  await tagColumns(users, { email: ['pii:email'] });
  await writeFile(
    project.featuresPath,
    JSON.stringify({
      entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'long', tags: ['pii:id'] }] }],
      featureViews: [
        {
          name: 'profile',
          entities: ['user'],
          source: { kind: 'table', table: 'users', timestampField: 'event_ts', columnTags: { city: ['pii:location'] } },
          features: [
            { name: 'email', type: 'string' },
            { name: 'city', type: 'string' },
            { name: 'salary', type: 'double', tags: ['sensitive'] },
            { name: 'logins', type: 'long' },
          ],
        },
      ],
    }),
  );
  const repository = await readProjectDefinitions(project);
  await new FeatureRegistry(project).apply(repository, engine);
  await applyDefinitionTags(project, engine, repository);
  const store = await openAppliedFeatureStore(project, engine);
  await store.materialize(0, '2030-01-01T00:00:00Z');
  await store.online?.close();
  await writeSuite(project, {
    name: 'user_checks',
    expectations: [
      { type: 'expect_column_values_to_match_regex', kwargs: { column: 'email', regex: '\\.com$' } },
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'logins', min_value: 0, max_value: 5 } },
    ],
  });
  await writeSuite(project, {
    name: 'user_leaks',
    expectations: [
      {
        type: 'expect_column_quantile_values_to_be_between',
        kwargs: {
          column: 'salary',
          quantile_ranges: {
            quantiles: [0, 1],
            value_ranges: [
              [0, 1e9],
              [0, 1e9],
            ],
          },
        },
      },
      { type: 'unexpected_rows_expectation', kwargs: { unexpected_rows_query: 'SELECT user_id, email, city AS place, logins FROM {batch} WHERE logins > 5' } },
    ],
  });
  const tokenStore = TokenStore.forProject(project);
  tokens['reader'] = (await tokenStore.create({ role: 'reader' })).token;
  tokens['admin'] = (await tokenStore.create({ role: 'admin' })).token;
  tokens['pii'] = (await tokenStore.create({ role: 'reader', scopes: ['pii'] })).token;
  tokens['pii+view'] = (await tokenStore.create({ role: 'reader', scopes: ['pii', 'profile'] })).token;
  tokens['pii+other'] = (await tokenStore.create({ role: 'reader', scopes: ['pii', 'other_view'] })).token;
  server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
  salt = await projectSalt(project);
});

afterAll(async () => {
  await server?.close();
  engine?.close();
});

const post = async (route: string, body: unknown, token?: string) => {
  const response = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
};

/** Each answer column by name, from Feast's response shape. */
const lookup = async (token: string | undefined) => {
  const body = await post(
    '/get-online-features',
    { features: ['profile:email', 'profile:city', 'profile:salary', 'profile:logins'], entities: { user_id: [1, 2] } },
    token,
  );
  const names = (body['metadata'] as { feature_names: string[] }).feature_names;
  const results = body['results'] as { values: unknown[] }[];
  return Object.fromEntries(names.map((n, i) => [n, results[i]?.values]));
};

/** The failing values GE reports for each expectation's column. */
const validation = async (token: string | undefined) => {
  const body = await post('/v1/quality/validate', { table: 'users', suite: 'user_checks', result_format: 'COMPLETE', id_columns: ['user_id'] }, token);
  return (body['results'] as { expectation_config: { kwargs: { column: string } }; result: Record<string, unknown> }[]).map((r) => ({
    column: r.expectation_config.kwargs.column,
    unexpected: r.result['unexpected_list'],
    index: r.result['unexpected_index_list'],
  }));
};

describe('masking by scope on every route that answers column values', () => {
  it('gives clear values to a token with the pii scope and masked ones to every other caller, by each tag policy', async () => {
    const h = (v: unknown) => hashValue(v, salt);
    const clear = {
      user_id: [1, 2],
      email: ['ann@example.com', 'bob@example.org'],
      city: ['Utrecht', 'Gent'],
      salary: [5100, 4200],
      logins: [3, 8],
    };
    const masked = {
      user_id: [h(1), h(2)],
      email: [h('ann@example.com'), h('bob@example.org')],
      city: [REDACTED, REDACTED],
      salary: [null, null],
      logins: [3, 8],
    };
    // The lookup route (the server's fast path).
    expect(await lookup(tokens['pii'])).toEqual(clear);
    expect(await lookup(tokens['pii+view'])).toEqual(clear);
    expect(await lookup(tokens['reader'])).toEqual(masked);
    expect(await lookup(tokens['admin'])).toEqual(masked);
    expect(await lookup(undefined)).toEqual(masked);

    // Quality results: the failing values and the ids naming failing rows.
    const clearChecks = [
      { column: 'email', unexpected: ['bob@example.org'], index: [{ email: 'bob@example.org', user_id: 2 }] },
      { column: 'logins', unexpected: [8], index: [{ logins: 8, user_id: 2 }] },
    ];
    const maskedChecks = [
      { column: 'email', unexpected: [h('bob@example.org')], index: [{ email: h('bob@example.org'), user_id: h(2) }] },
      { column: 'logins', unexpected: [8], index: [{ logins: 8, user_id: h(2) }] },
    ];
    expect(await validation(tokens['pii'])).toEqual(clearChecks);
    expect(await validation(tokens['reader'])).toEqual(maskedChecks);
    expect(await validation(tokens['admin'])).toEqual(maskedChecks);
  });

  it('masks the values a quantile expectation observes and the rows a custom SQL expectation returns', async () => {
    const h = (v: unknown) => hashValue(v, salt);
    const leaks = async (token: string | undefined) => {
      const body = await post('/v1/quality/validate', { table: 'users', suite: 'user_leaks', result_format: 'COMPLETE' }, token);
      return (body['results'] as { result: Record<string, unknown> }[]).map((r) => ({ observed: r.result['observed_value'], details: r.result['details'] }));
    };
    const [clearQuantiles, clearRows] = await leaks(tokens['pii']);
    expect(clearQuantiles?.observed).toEqual({ quantiles: [0, 1], values: [4200, 5100] });
    expect(clearRows?.details).toEqual({ unexpected_rows: [{ user_id: 2, email: 'bob@example.org', place: 'Gent', logins: 8 }] });
    const [quantiles, rows] = await leaks(tokens['reader']);
    // salary is sensitive (nulled): every value observed is masked, and the details go.
    expect(quantiles?.observed).toEqual({ quantiles: [null, null], values: [null, null] });
    expect(quantiles?.details).toBeUndefined();
    // Each returned column by its tags; an alias (place) by every tag the table has, the strongest of which nulls.
    expect(rows?.details).toEqual({ unexpected_rows: [{ user_id: h(2), email: h('bob@example.org'), place: null, logins: 8 }] });
  });

  it('masks a library scan the same way, in SQL, so masked keys join with masked lookups', async () => {
    const users = await DeltaTable.open(project.tablePath('users'), { engine });
    // Scans give 64-bit integers as exact strings; the hashes of the keys are those of the lookups.
    const scanned = async (reader: Parameters<typeof scanAs>[2]) =>
      (await (await scanAs(users, project, reader, { columns: ['user_id', 'email', 'city', 'salary', 'logins'] })).rows()).map((r) => ({ ...r }));
    expect(await scanned({ scopes: ['pii'] })).toEqual([
      { user_id: '1', email: 'ann@example.com', city: 'Utrecht', salary: 5100, logins: '3' },
      { user_id: '2', email: 'bob@example.org', city: 'Gent', salary: 4200, logins: '8' },
    ]);
    const masked = await scanned({ scopes: ['users'] });
    const online = await lookup(tokens['reader']);
    expect(masked).toEqual([
      { user_id: online['user_id']?.[0], email: online['email']?.[0], city: REDACTED, salary: null, logins: '3' },
      { user_id: online['user_id']?.[1], email: online['email']?.[1], city: REDACTED, salary: null, logins: '8' },
    ]);
    expect(await scanned(undefined)).toEqual(masked);
    // A filter sees the masked values: it cannot probe the clear ones.
    const probe = await scanAs(users, project, undefined, { where: "email = 'ann@example.com'" });
    expect(await probe.count()).toBe(0);
    const byHash = await scanAs(users, project, undefined, { where: `email = '${hashValue('ann@example.com', salt)}'` });
    expect(await byHash.count()).toBe(1);
  });

  it('masks an older version read by the tags the latest version gives its columns', async () => {
    const users = await DeltaTable.open(project.tablePath('users'), { engine });
    // Version 0 is the data; the tags came in later metadata commits, so its own schema has none.
    const columns = ['user_id', 'email', 'city', 'salary', 'logins'];
    const rows = async (version?: number) =>
      (await (await scanAs(users, project, undefined, { columns, ...(version === undefined ? {} : { version }) })).rows()).map((r) => ({ ...r }));
    expect(await rows(0)).toEqual(await rows());
    expect((await rows(0))[0]?.['email']).toBe(hashValue('ann@example.com', salt));
    // No project: an older version of a tagged table is refused unless read in the clear.
    await expect(scanAs(users, undefined, undefined, { version: 0 })).rejects.toMatchObject({ code: 'GOVERNANCE_MASK_NO_PROJECT' });
    const body = await post('/v1/quality/validate', { table: 'users', suite: 'user_checks', version: 0, result_format: 'COMPLETE' }, tokens['reader']);
    const email = (body['results'] as { result: Record<string, unknown> }[])[0]?.result;
    expect(email?.['unexpected_list']).toEqual([hashValue('bob@example.org', salt)]);
  });

  it('takes pii as a grant beside the names a token is scoped to, not as a name', async () => {
    // Scoped to pii alone: every view its role allows, in the clear (the first test); beside a name, still limited to it.
    const response = await fetch(`${server.url}/get-online-features`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens['pii+other']}` },
      body: JSON.stringify({ features: ['profile:email'], entities: { user_id: [1] } }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('AUTH_FORBIDDEN');
  });

  it('leaves the statistics of tagged columns out of lineage answers for callers without the scope', async () => {
    const users = tableDataset(project.tablePath('users'));
    const event = {
      eventType: 'COMPLETE',
      eventTime: '2026-01-01T00:00:00Z',
      producer: 'test',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: { runId: '0190c6a3-0000-7000-8000-000000000001' },
      job: { namespace: 'test', name: 'validate.users' },
      inputs: [
        {
          ...users,
          inputFacets: {
            dataQualityMetrics: { rowCount: 2, columnMetrics: { salary: { count: 2, min: 4200, max: 5100 }, logins: { count: 2, min: 3, max: 8 } } },
          },
        },
      ],
      outputs: [],
    } as unknown as OpenLineageRunEvent;
    const lineageServer = await startServer({ engine, project, port: 0, anonymous: 'off', lineageEvents: async () => [event] });
    try {
      const metrics = async (token: string) => {
        const response = await fetch(`${lineageServer.url}/api/v1/events/lineage`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { events: { inputs: { inputFacets: { dataQualityMetrics: { columnMetrics: unknown } } }[] }[] };
        return body.events[0]?.inputs[0]?.inputFacets.dataQualityMetrics.columnMetrics;
      };
      expect(await metrics(tokens['pii'] as string)).toEqual({ salary: { count: 2, min: 4200, max: 5100 }, logins: { count: 2, min: 3, max: 8 } });
      expect(await metrics(tokens['reader'] as string)).toEqual({ salary: { count: 2 }, logins: { count: 2, min: 3, max: 8 } });
    } finally {
      await lineageServer.close();
    }
  });

  it('keeps the masking key in .aquifer with owner-only permissions', async () => {
    expect((await stat(saltFile(project))).mode & 0o777).toBe(0o600);
    expect(await projectSalt(project)).toEqual(salt);
  });
});
