import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/index.js';
import { serve, securityProject, writtenState, type SecurityFixture } from './fixture.js';
import { lazyChunks, rawRequest, slowChunks, type RawRequest } from './raw-request.js';

const LIMITS = { bodyBytes: 64 * 1024, depth: 16, records: 1_000, bodyTimeoutMs: 300 };

/** Every body-taking route, in its plain spelling and the ones that must reach the same checks. */
const SPELLINGS = [
  '/v1/ingest/events',
  '/%761/ingest/events',
  '//v1//ingest/events/',
  '/v1/ingest/%65vents',
  '/get-online-features',
  '/%67et-online-features',
  '/get-online-features/',
  '//get-online-features',
  '/get-online-features?x=1',
  '/push',
  '/%70ush',
  '/%70%75%73%68/',
];

let fixture: SecurityFixture;
let server: RunningServer;
let admin: string;

beforeAll(async () => {
  fixture = await securityProject();
  admin = (await fixture.store.create({ role: 'admin' })).token;
  server = await serve(fixture, { limits: LIMITS });
});
afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

const send = (path: string, request: Omit<RawRequest, 'path'>) =>
  rawRequest(server.url, { ...request, path, headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, ...request.headers } });

/** Status and code of each spelling's answer, sent all at once. */
async function answers(make: () => Omit<RawRequest, 'path'>): Promise<Record<string, string>> {
  const all = await Promise.all(SPELLINGS.map(async (path) => [path, await send(path, make())] as const));
  return Object.fromEntries(all.map(([path, a]) => [path, `${a.status} ${a.json.error?.code ?? a.text.slice(0, 80)}`]));
}
const everywhere = (expected: string) => Object.fromEntries(SPELLINGS.map((path) => [path, expected]));

describe('the request pipeline on every route and spelling', () => {
  let before: Awaited<ReturnType<typeof writtenState>>;
  beforeAll(async () => {
    before = await writtenState(fixture, server, admin);
  });

  it('refuses a body over the size limit, declared or chunked, with 413', async () => {
    expect(await answers(() => ({ body: `[${' '.repeat(LIMITS.bodyBytes)}]` }))).toEqual(everywhere('413 HTTP_BODY_TOO_LARGE'));
    expect(await answers(() => ({ chunks: lazyChunks(4 * LIMITS.bodyBytes, 16 * 1024) }))).toEqual(everywhere('413 HTTP_BODY_TOO_LARGE'));
  });

  it('refuses JSON nested deeper than the limit with 400, also 5,000 levels', async () => {
    expect(await answers(() => ({ body: `${'['.repeat(LIMITS.depth + 1)}${']'.repeat(LIMITS.depth + 1)}` }))).toEqual(everywhere('400 HTTP_BODY_TOO_DEEP'));
    expect(await answers(() => ({ body: `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}` }))).toEqual(everywhere('400 HTTP_BODY_TOO_DEEP'));
  });

  it('refuses more records than the limit with 413', async () => {
    expect(await answers(() => ({ body: `[${'{},'.repeat(LIMITS.records)}{}]` }))).toEqual(everywhere('413 HTTP_TOO_MANY_RECORDS'));
  });

  it('refuses a body that is not UTF-8 with 400', async () => {
    expect(await answers(() => ({ body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }))).toEqual(everywhere('400 HTTP_BODY_INVALID'));
  });

  it('refuses text/plain, form and missing content types with 415 (what a web page can send without asking)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      expect(await answers(() => ({ body: '{}', headers: { 'content-type': type } })), type).toEqual(everywhere('415 HTTP_UNSUPPORTED_MEDIA_TYPE'));
    }
  });

  it('refuses a body that does not arrive within the time limit with 408', async () => {
    expect(await answers(() => ({ chunks: slowChunks(40, 50) }))).toEqual(everywhere('408 HTTP_REQUEST_TIMEOUT'));
  });

  it('refuses paths with dot segments or broken escapes with 400, and oversized headers with 431, before any route runs', async () => {
    for (const path of ['/v1/ingest/%zz', '/v1/ingest/../../push', '/v1/%2e%2e/push', '/push%00', '/v1/ingest/a%5c..%5cpush']) {
      const answer = await send(path, { body: '{}' });
      expect(`${answer.status} ${answer.json.error?.code}`, path).toBe('400 HTTP_PATH_INVALID');
    }
    const bigHeaders = await send('/push', { body: '{}', headers: { 'x-padding': 'a'.repeat(20_000) } });
    expect(`${bigHeaders.status} ${bigHeaders.json.error?.code}`).toBe('431 HTTP_HEADERS_TOO_LARGE');
    // Node's HTTP parser refuses this one before the pipeline; the answer is still typed.
    const unparsable = await send('push', { body: '{}' });
    expect(`${unparsable.status} ${unparsable.json.error?.code}`).toBe('400 HTTP_REQUEST_INVALID');
  });

  it('limits a body sent to /health too', async () => {
    const answer = await rawRequest(server.url, {
      method: 'GET',
      path: '/%68ealth',
      body: ' '.repeat(LIMITS.bodyBytes + 1),
      headers: { 'content-length': String(LIMITS.bodyBytes + 1) },
    });
    expect(`${answer.status} ${answer.json.error?.code}`).toBe('413 HTTP_BODY_TOO_LARGE');
  });

  it('has written nothing, and still serves', async () => {
    expect(await writtenState(fixture, server, admin)).toEqual(before);
    expect((await rawRequest(server.url, { method: 'GET', path: '/health' })).status).toBe(200);
  });
});

describe('bounded work per request', () => {
  it('keeps memory bounded while a client pushes 256 MB at a refusing server, and still serves', async () => {
    global.gc?.();
    const rss = process.memoryUsage().rss;
    const answer = await send('/%67et-online-features', { chunks: lazyChunks(256 * 1024 * 1024, 64 * 1024), ignoreAnswer: true });
    expect(answer.json.error?.code).toBe('HTTP_BODY_TOO_LARGE');
    // Loose on purpose: buffering the body would add 256 MB.
    expect(process.memoryUsage().rss - rss).toBeLessThan(96 * 1024 * 1024);
    expect((await rawRequest(server.url, { method: 'GET', path: '/health' })).status).toBe(200);
  });

  it('refuses 200,000 NDJSON lines under the default limits instead of parsing them', async () => {
    const defaults = await serve(fixture);
    try {
      const answer = await rawRequest(defaults.url, {
        path: '/v1/ingest/events',
        body: '{"a":1}\n'.repeat(200_000),
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${admin}` },
      });
      expect(`${answer.status} ${answer.json.error?.code}`).toBe('413 HTTP_TOO_MANY_RECORDS');
    } finally {
      await defaults.close();
    }
  });
});
