import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IngestTarget } from '../../../src/ingest/index.js';
import type { RunningServer } from '../../../src/server/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { serve, securityProject, writtenState, type SecurityFixture } from './fixture.js';
import { rawRequest } from './raw-request.js';

let fixture: SecurityFixture;
let admin: string;

beforeAll(async () => {
  fixture = await securityProject();
  admin = (await fixture.store.create({ role: 'admin' })).token;
});
afterAll(async () => {
  await fixture?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${admin}` });
const status = (answer: { status: number; json: { error?: { code: string } } }) => `${answer.status} ${answer.json.error?.code ?? ''}`.trim();

/** Resolves once the signal has aborted: the handler is held exactly until its deadline passes. */
const aborted = (signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (signal === undefined || signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

describe('the request time limit (server.limits.requestTimeoutMs)', () => {
  // Long enough that the pipeline has certainly admitted the request; the handlers are then held until it passes.
  const LIMITS = { requestTimeoutMs: 1_500 };
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve(fixture, { limits: LIMITS });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers an ingest held past the deadline with 503 HTTP_RESPONSE_TIMEOUT, and writes nothing', async () => {
    const before = await writtenState(fixture, server, admin);
    const write = IngestTarget.prototype.writeJson;
    let outcome: Promise<string> | undefined;
    vi.spyOn(IngestTarget.prototype, 'writeJson').mockImplementation(async function (this: IngestTarget, batch, txns, options = {}) {
      await aborted(options.signal);
      const written = write.call(this, batch, txns, options);
      outcome = written.then(
        () => 'written',
        (error: { code?: string }) => error.code ?? 'failed',
      );
      return written;
    });
    const answer = await rawRequest(server.url, {
      path: '/v1/ingest/late',
      body: JSON.stringify([{ a: 1 }, { a: 2 }]),
      headers: { ...headers(), 'idempotency-key': 'k1' },
    });
    expect(status(answer)).toBe('503 HTTP_RESPONSE_TIMEOUT');
    expect(answer.json.error?.hint).toContain('requestTimeoutMs');
    vi.restoreAllMocks();
    // The handler, left running, went on with the deadline's signal and stopped before committing.
    await vi.waitFor(() => expect(outcome).toBeDefined(), { timeout: 30_000 });
    expect(await outcome).toBe('HTTP_RESPONSE_TIMEOUT');
    expect(await writtenState(fixture, server, admin)).toEqual(before);
    // The same key is still free: the retry is written, not answered as a duplicate.
    const retry = await rawRequest(server.url, {
      path: '/v1/ingest/late',
      body: JSON.stringify([{ a: 1 }, { a: 2 }]),
      headers: { ...headers(), 'idempotency-key': 'k1' },
    });
    expect(retry.json).toMatchObject({ accepted: 2, duplicate: false });
  });

  it('answers a push held past the deadline with 503 HTTP_RESPONSE_TIMEOUT, writing neither the table nor the online store', async () => {
    const before = await writtenState(fixture, server, admin);
    const append = DeltaTable.prototype.append;
    let outcome: Promise<string> | undefined;
    vi.spyOn(DeltaTable.prototype, 'append').mockImplementation(async function (this: DeltaTable, data, options = {}) {
      await aborted(options.signal);
      const written = append.call(this, data, options);
      outcome = written.then(
        () => 'written',
        (error: { code?: string }) => error.code ?? 'failed',
      );
      return written;
    });
    const answer = await rawRequest(server.url, {
      path: '/push',
      headers: headers(),
      body: JSON.stringify({
        push_source_name: 'driver_stats',
        to: 'online_and_offline',
        df: { driver_id: [1001], event_ts: ['2030-01-01T00:00:00Z'], trips: [99] },
      }),
    });
    expect(status(answer)).toBe('503 HTTP_RESPONSE_TIMEOUT');
    vi.restoreAllMocks();
    await vi.waitFor(() => expect(outcome).toBeDefined(), { timeout: 30_000 });
    expect(await outcome).toBe('HTTP_RESPONSE_TIMEOUT');
    expect((await rawRequest(server.url, { method: 'GET', path: '/health' })).status).toBe(200);
    expect(await writtenState(fixture, server, admin)).toEqual(before);
  });
});

describe('the bound on requests in flight (server.limits.concurrentRequests)', () => {
  it('answers a request over the bound with 503 HTTP_SERVER_BUSY and Retry-After, keeps /health answering, and serves again once one ends', async () => {
    const server = await serve(fixture, { limits: { concurrentRequests: 2 } });
    try {
      // Two ingests (to two tables, so two committers) held inside their handlers: both in flight.
      const write = IngestTarget.prototype.writeJson;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let held = 0;
      let bothHeld!: () => void;
      const twoHeld = new Promise<void>((resolve) => (bothHeld = resolve));
      vi.spyOn(IngestTarget.prototype, 'writeJson').mockImplementation(async function (this: IngestTarget, batch, txns, options) {
        if (++held === 2) bothHeld();
        await released;
        return write.call(this, batch, txns, options);
      });
      const first = rawRequest(server.url, { path: '/v1/ingest/busy_a', body: '[{"a":1}]', headers: headers() });
      const second = rawRequest(server.url, { path: '/v1/ingest/busy_b', body: '[{"a":1}]', headers: headers() });
      await twoHeld;
      const over = await rawRequest(server.url, { path: '/v1/ingest/busy_c', body: '[{"a":1}]', headers: headers() });
      expect(status(over)).toBe('503 HTTP_SERVER_BUSY');
      expect(over.headers['retry-after']).toBe('1');
      const lookup = await rawRequest(server.url, { path: '/get-online-features', body: '{}', headers: headers() });
      expect(status(lookup)).toBe('503 HTTP_SERVER_BUSY');
      expect((await rawRequest(server.url, { method: 'GET', path: '/health' })).status).toBe(200);
      release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      vi.restoreAllMocks();
      expect((await rawRequest(server.url, { path: '/v1/ingest/busy_c', body: '[{"a":1}]', headers: headers() })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
