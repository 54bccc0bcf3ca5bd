import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/index.js';
import { serve, securityProject, writtenState, type SecurityFixture } from './fixture.js';
import { rawRequest } from './raw-request.js';

let fixture: SecurityFixture;
let server: RunningServer;
const tokens: Record<string, string> = {};

/** A valid request per protected route: with the right token each answers 200. */
const ROUTES = [
  { path: '/v1/ingest/events', body: JSON.stringify([{ id: 1 }]), role: 'writer' },
  { path: '/get-online-features', body: JSON.stringify({ features: ['driver_stats:trips'], entities: { driver_id: [1001] } }), role: 'reader' },
  {
    path: '/push',
    body: JSON.stringify({
      push_source_name: 'driver_stats',
      to: 'online_and_offline',
      df: { driver_id: [1002], event_ts: ['2024-05-02T00:00:00Z'], trips: [3] },
    }),
    role: 'writer',
  },
] as const;

const call = (path: string, body: string, token?: string, headers: Record<string, string> = {}) =>
  rawRequest(server.url, {
    path,
    body,
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });

beforeAll(async () => {
  fixture = await securityProject();
  for (const role of ['reader', 'writer', 'admin'] as const) tokens[role] = (await fixture.store.create({ role, name: role })).token;
  tokens['scoped'] = (await fixture.store.create({ role: 'writer', scopes: ['other_table', 'other_view'] })).token;
  tokens['expired'] = (await fixture.store.create({ role: 'admin', expires: new Date(Date.now() - 1000) })).token;
  server = await serve(fixture);
});
afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

describe('bearer tokens on every route', () => {
  it('answers /health without a token', async () => {
    expect(await rawRequest(server.url, { method: 'GET', path: '/health' })).toMatchObject({ status: 200, json: { status: 'ok' } });
  });

  it('refuses every other route without a token, with a wrong, malformed, expired or revoked one, or a role or scope too small, and writes nothing', async () => {
    const revoked = await fixture.store.create({ role: 'admin' });
    expect((await call('/get-online-features', ROUTES[1].body, revoked.token)).status).toBe(200);
    await fixture.store.revoke(revoked.info.id);
    const before = await writtenState(fixture, server, tokens['admin'] as string);
    const wrong = `aqt_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    const stolenId = `${(tokens['admin'] as string).slice(0, 17)}${'B'.repeat(43)}`;
    for (const route of ROUTES) {
      const codes = async (token: string | undefined, headers: Record<string, string> = {}) => {
        const answer = await call(route.path, route.body, token, headers);
        return `${answer.status} ${answer.json.error?.code ?? ''}`;
      };
      expect(await codes(undefined), route.path).toBe('401 AUTH_TOKEN_MISSING');
      expect(await codes(wrong), route.path).toBe('401 AUTH_TOKEN_INVALID');
      expect(await codes(stolenId), route.path).toBe('401 AUTH_TOKEN_INVALID');
      expect(await codes(undefined, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), route.path).toBe('401 AUTH_TOKEN_INVALID');
      expect(await codes(tokens['expired']), route.path).toBe('401 AUTH_TOKEN_EXPIRED');
      expect(await codes(revoked.token), route.path).toBe('401 AUTH_TOKEN_REVOKED');
      expect(await codes(tokens['scoped']), route.path).toBe('403 AUTH_FORBIDDEN');
      if (route.role === 'writer') expect(await codes(tokens['reader']), route.path).toBe('403 AUTH_FORBIDDEN');
    }
    expect(await codes401UnknownRoute()).toBe('401 AUTH_TOKEN_MISSING');
    for (const spelling of [
      '/%67et-online-features',
      '//get-online-features/',
      '/%70ush',
      '/v1/ingest/%65vents',
      '/%761//ingest/events/',
      '/get-online-features?token=x',
    ]) {
      const answer = await call(spelling, '{}');
      expect(`${answer.status} ${answer.json.error?.code}`, spelling).toBe('401 AUTH_TOKEN_MISSING');
    }
    expect(await writtenState(fixture, server, tokens['admin'] as string)).toEqual(before);
  });

  it('lets each role do what it holds, and a scoped token what its scopes name', async () => {
    for (const route of ROUTES) expect((await call(route.path, route.body, tokens[route.role])).status, route.path).toBe(200);
    expect((await call(ROUTES[1].path, ROUTES[1].body, tokens['writer'])).status).toBe(200);
    expect((await call('/v1/ingest/other_table', JSON.stringify([{ id: 1 }]), tokens['scoped'])).status).toBe(200);
  });

  it('refuses a cross-site Origin and, on loopback, a foreign Host (DNS rebinding), even with a token', async () => {
    const lookup = ROUTES[1];
    expect(await call(lookup.path, lookup.body, tokens['admin'], { origin: 'https://evil.example' })).toMatchObject({
      status: 403,
      json: { error: { code: 'HTTP_ORIGIN_FORBIDDEN' } },
    });
    expect(await call(lookup.path, lookup.body, tokens['admin'], { host: 'evil.example' })).toMatchObject({
      status: 403,
      json: { error: { code: 'HTTP_ORIGIN_FORBIDDEN' } },
    });
    expect((await call(lookup.path, lookup.body, tokens['admin'], { origin: 'http://localhost:3000' })).status).toBe(200);
  });
});

async function codes401UnknownRoute(): Promise<string> {
  const answer = await call('/admin/secret', '{}');
  return `${answer.status} ${answer.json.error?.code ?? ''}`;
}

describe('anonymous access', () => {
  const lookup = ROUTES[1];

  it('is off unless the project allows it', async () => {
    expect((await call(lookup.path, lookup.body)).status).toBe(401);
  });

  it('lets loopback callers in without a token when the project says loopback', async () => {
    const open = await serve(fixture, { anonymous: 'loopback' });
    try {
      const answer = await rawRequest(open.url, { path: lookup.path, body: lookup.body, headers: { 'content-type': 'application/json' } });
      expect(answer.status).toBe(200);
    } finally {
      await open.close();
    }
  });

  // Needs an address of this machine other than loopback to call from.
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
  it.skipIf(external === undefined)('still asks callers from other addresses for a token under loopback', async () => {
    const open = await serve(fixture, { anonymous: 'loopback', host: '0.0.0.0' });
    try {
      const port = new URL(open.url).port;
      const answer = await rawRequest(`http://${external as string}:${port}`, {
        path: lookup.path,
        body: lookup.body,
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.json.error?.code).toBe('AUTH_TOKEN_MISSING');
      const local = await rawRequest(`http://127.0.0.1:${port}`, { path: lookup.path, body: lookup.body, headers: { 'content-type': 'application/json' } });
      expect(local.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
