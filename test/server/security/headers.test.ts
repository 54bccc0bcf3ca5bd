import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/index.js';
import { serve, securityProject, type SecurityFixture } from './fixture.js';
import { rawRequest } from './raw-request.js';

let fixture: SecurityFixture;
let server: RunningServer;
let url: string;

beforeAll(async () => {
  fixture = await securityProject();
  // Listening on all interfaces: no loopback-only Host rule, so Host syntax itself is what is checked.
  server = await serve(fixture, { anonymous: 'any', host: '0.0.0.0' });
  url = server.url.replace('0.0.0.0', '127.0.0.1');
});
afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

describe('request headers', () => {
  it('answers a Host that is not a host name with a typed 400 on every route, and writes nothing', async () => {
    for (const host of ['exa mple', 'a/b', '[::1', 'x:99999', 'x@y']) {
      for (const request of [
        { method: 'GET', path: '/health' },
        { path: '/v1/ingest/host_probe', body: '[{"a":1}]' },
        { path: '/%70ush', body: '{}' },
      ]) {
        const answer = await rawRequest(url, { ...request, headers: { host, 'content-type': 'application/json' } });
        expect(`${answer.status} ${answer.json.error?.code}`, `${host} ${request.path}`).toBe('400 HTTP_REQUEST_INVALID');
      }
    }
    expect(existsSync(fixture.project.tablePath('host_probe'))).toBe(false);
    expect((await rawRequest(url, { method: 'GET', path: '/health', headers: { host: 'example.com:8080' } })).status).toBe(200);
    expect((await rawRequest(url, { method: 'GET', path: '/health', headers: { host: '[::1]:8080' } })).status).toBe(200);
  });
});
