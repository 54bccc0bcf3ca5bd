import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable, IDEMPOTENCY_KEY_RETENTION_PROPERTY, TXN_RETENTION_PROPERTY } from '../../src/table/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { quarantineRows, tableRows, tableVersion } from '../support/ingest.js';
import { tempDir } from '../support/temp.js';

const MAX_BODY_BYTES = 64 * 1024;

let engine: Engine;
let project: Project;
let server: RunningServer;
let counter = 0;
/** A table name no other test uses. */
const fresh = (what: string) => `${what}_${counter++}`;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-server-'));
  server = await startServer({ engine, project, port: 0, anonymous: 'loopback', limits: { bodyBytes: MAX_BODY_BYTES } });
});
afterAll(async () => {
  await server?.close();
  engine?.close();
});

interface IngestAnswer {
  table: string;
  requestId: string;
  accepted: number;
  quarantined: number;
  version: number;
  duplicate: boolean;
}

interface ErrorAnswer {
  error: { code: string; message: string; hint: string };
}

async function post(route: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.url}${route}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, json: await response.json() };
}

async function ingest(table: string, body: string, headers: Record<string, string> = {}): Promise<IngestAnswer> {
  const { status, json } = await post(`/v1/ingest/${table}`, body, headers);
  expect(status, JSON.stringify(json)).toBe(200);
  return json as IngestAnswer;
}

const ndjson = (records: readonly unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const location = (table: string) => project.tablePath(table);

/** Every error body has the same shape: a stable code, a message and a hint. */
function expectError(answer: { status: number; json: unknown }, status: number, code: string): void {
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  const body = answer.json as ErrorAnswer;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message).not.toBe('');
  expect(typeof body.error.hint).toBe('string');
}

/** What a refusal must leave alone: the table's version and rows, and its quarantine. */
async function state(table: string) {
  if (!existsSync(path.join(location(table), '_delta_log'))) return { exists: false };
  return {
    exists: true,
    version: await tableVersion(engine, location(table)),
    rows: (await tableRows(engine, location(table))).length,
    quarantined: (await quarantineRows(engine, location(table))).length,
  };
}

describe('POST /v1/ingest/{table}', () => {
  it('lands a JSON array, creating the table, and says how many records were accepted and quarantined', async () => {
    const table = fresh('array');
    const answer = await ingest(table, JSON.stringify([{ id: 1, name: 'ann' }, { id: 2, name: 'bob' }, 'not an object']));
    expect(answer).toMatchObject({ table, accepted: 2, quarantined: 1, duplicate: false });
    expect(answer.version).toBe(await tableVersion(engine, location(table)));
    expect((await tableRows(engine, location(table), answer.version)).map((r) => r['name']).sort()).toEqual(['ann', 'bob']);
    const quarantined = await quarantineRows(engine, location(table));
    expect(quarantined.map((q) => [q.reason, q.sourceKind, q.source['requestId'], q.source['index'], q.payload])).toEqual([
      ['PARSE_ERROR', 'http', answer.requestId, 2, '"not an object"'],
    ]);
  });

  it('lands an NDJSON body, checking each line on its own', async () => {
    const table = fresh('ndjson');
    await ingest(table, JSON.stringify([{ id: 0, name: 'zed' }]));
    const body = `${JSON.stringify({ id: 1, name: 'ann' })}\n{"id": 2, "nickname": "bob"}\n\n{broken\r\n${JSON.stringify({ id: 'three' })}\n${JSON.stringify({ id: 4 })}`;
    const answer = await ingest(table, body, { 'content-type': 'application/x-ndjson' });
    expect(answer).toMatchObject({ accepted: 2, quarantined: 3, duplicate: false });
    expect((await tableRows(engine, location(table), answer.version)).map((r) => Number(r['id'])).sort()).toEqual([0, 1, 4]);
    expect((await quarantineRows(engine, location(table))).map((q) => q.reason).sort()).toEqual(['PARSE_ERROR', 'TYPE_MISMATCH', 'UNKNOWN_FIELD']);
  });

  it("takes the request id from X-Request-Id for the quarantined records' source", async () => {
    const table = fresh('request_id');
    const answer = await ingest(table, JSON.stringify([{ id: 1 }, [1]]), { 'x-request-id': 'req-42' });
    expect(answer.requestId).toBe('req-42');
    expect((await quarantineRows(engine, location(table))).map((q) => q.source['requestId'])).toEqual(['req-42']);
  });

  it('writes a request once when the same Idempotency-Key comes twice, and answers the second as a duplicate', async () => {
    const table = fresh('idempotent');
    await ingest(table, JSON.stringify([{ id: 0 }]));
    const body = JSON.stringify([{ id: 1 }, { id: 2 }, { id: 'bad' }]);
    const first = await ingest(table, body, { 'idempotency-key': 'key-1' });
    expect(first).toMatchObject({ accepted: 2, quarantined: 1, duplicate: false });
    const before = await state(table);
    const second = await ingest(table, body, { 'idempotency-key': 'key-1' });
    expect(second).toMatchObject({ accepted: 0, quarantined: 0, duplicate: true });
    expect(await state(table)).toEqual(before);
    expect((await tableRows(engine, location(table))).map((r) => Number(r['id'])).sort()).toEqual([0, 1, 2]);
    expect(await quarantineRows(engine, location(table))).toHaveLength(1);
    // Another key is another request.
    expect(await ingest(table, body, { 'idempotency-key': 'key-2' })).toMatchObject({ accepted: 2, duplicate: false });
  });

  it('writes once when the same Idempotency-Key comes twice at the same time', async () => {
    const table = fresh('idempotent_race');
    await ingest(table, JSON.stringify([{ id: 0 }]));
    const body = JSON.stringify([{ id: 1 }, { id: 2 }]);
    const answers = await Promise.all([1, 2, 3].map(() => ingest(table, body, { 'idempotency-key': 'same' })));
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(answers.reduce((sum, a) => sum + a.accepted, 0)).toBe(2);
    expect((await tableRows(engine, location(table))).map((r) => Number(r['id'])).sort()).toEqual([0, 1, 2]);
  });

  it('lands 20 concurrent requests exactly once each, at versions that hold their rows', async () => {
    const table = fresh('concurrent');
    // Create the table first, so every request below is an append.
    await ingest(table, JSON.stringify([{ request: -1, n: 0, pad: 'x' }]));
    const requests = Array.from({ length: 20 }, (_, request) => ({
      request,
      records: Array.from({ length: 5 }, (_, n) => ({ request, n, pad: 'x'.repeat(n) })),
    }));
    const answers = await Promise.all(
      requests.map(({ request, records }) =>
        ingest(table, ndjson(records), { 'content-type': 'application/x-ndjson', 'idempotency-key': `concurrent-${request}` }),
      ),
    );
    for (const answer of answers) expect(answer).toMatchObject({ accepted: 5, quarantined: 0, duplicate: false });

    const rows = await tableRows(engine, location(table));
    const keys = rows.filter((r) => Number(r['request']) >= 0).map((r) => `${r['request']}/${r['n']}`);
    expect(keys).toHaveLength(100);
    expect(new Set(keys).size).toBe(100);

    // Each answer's version holds that request's rows, and the version before it does not.
    const byVersion = new Map<number, Set<string>>();
    const rowsAt = async (version: number) => {
      let found = byVersion.get(version);
      if (found === undefined) {
        found = new Set((await tableRows(engine, location(table), version)).map((r) => `${r['request']}/${r['n']}`));
        byVersion.set(version, found);
      }
      return found;
    };
    for (const [request, answer] of answers.entries()) {
      const at = await rowsAt(answer.version);
      const before = await rowsAt(answer.version - 1);
      for (let n = 0; n < 5; n++) {
        expect(at.has(`${request}/${n}`), `request ${request} at v${answer.version}`).toBe(true);
        expect(before.has(`${request}/${n}`), `request ${request} at v${answer.version - 1}`).toBe(false);
      }
    }
    // Group commit: no more commits than requests, and each commit's answers account for exactly its rows.
    const versions = [...new Set(answers.map((a) => a.version))].sort((a, b) => a - b);
    expect(versions.length).toBeLessThanOrEqual(20);
    for (const version of versions) {
      const added = (await rowsAt(version)).size - (await rowsAt(version - 1)).size;
      expect(added).toBe(answers.filter((a) => a.version === version).reduce((sum, a) => sum + a.accepted, 0));
    }
  });

  it('counts a request whose records are all quarantined, and writes them to the quarantine once per key', async () => {
    const table = fresh('all_bad');
    await ingest(table, JSON.stringify([{ id: 1 }]));
    const body = JSON.stringify([{ id: 'x' }, { nope: 1 }]);
    expect(await ingest(table, body, { 'idempotency-key': 'bad-1' })).toMatchObject({ accepted: 0, quarantined: 2, duplicate: false });
    expect(await ingest(table, body, { 'idempotency-key': 'bad-1' })).toMatchObject({ accepted: 0, quarantined: 0, duplicate: true });
    expect((await quarantineRows(engine, location(table))).map((q) => q.reason).sort()).toEqual(['TYPE_MISMATCH', 'UNKNOWN_FIELD']);
  });

  it('refuses the same Idempotency-Key with another body with 422 INGEST_IDEMPOTENCY_KEY_REUSED, writing nothing', async () => {
    const table = fresh('key_reused');
    const body = JSON.stringify([{ id: 1 }, { id: 'bad' }]);
    await ingest(table, body, { 'idempotency-key': 'reused' });
    const before = await state(table);
    expectError(
      await post(`/v1/ingest/${table}`, JSON.stringify([{ id: 2 }, { id: 'worse' }]), { 'idempotency-key': 'reused' }),
      422,
      'INGEST_IDEMPOTENCY_KEY_REUSED',
    );
    // The same records as NDJSON are another request body too.
    expectError(
      await post(`/v1/ingest/${table}`, ndjson([{ id: 1 }, { id: 'bad' }]), { 'idempotency-key': 'reused', 'content-type': 'application/x-ndjson' }),
      422,
      'INGEST_IDEMPOTENCY_KEY_REUSED',
    );
    expect(await state(table)).toEqual(before);
    expect(await ingest(table, body, { 'idempotency-key': 'reused' })).toMatchObject({ duplicate: true });
  });

  it('refuses an empty, blank or over-long Idempotency-Key with 400 INGEST_IDEMPOTENCY_KEY_INVALID, writing nothing', async () => {
    const table = fresh('key_invalid');
    await ingest(table, JSON.stringify([{ id: 1 }]));
    const before = await state(table);
    for (const key of ['', '   ', 'k'.repeat(256)])
      expectError(await post(`/v1/ingest/${table}`, JSON.stringify([{ id: 2 }]), { 'idempotency-key': key }), 400, 'INGEST_IDEMPOTENCY_KEY_INVALID');
    expect(await state(table)).toEqual(before);
    expect(await ingest(table, JSON.stringify([{ id: 2 }]), { 'idempotency-key': 'k'.repeat(255) })).toMatchObject({ accepted: 1 });
  });

  it('gives each request its own counts when concurrent requests reuse one X-Request-Id', async () => {
    const table = fresh('same_request_id');
    await ingest(table, JSON.stringify([{ id: 0 }]));
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        ingest(table, JSON.stringify([...Array.from({ length: n }, (_, i) => ({ id: i })), { id: 'bad' }]), { 'x-request-id': 'reused-id' }),
      ),
    );
    expect(answers.map((a) => [a.accepted, a.quarantined])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect(await tableRows(engine, location(table))).toHaveLength(11);
  });

  it('creates tables that remember idempotency keys for 24 hours, and other positions for ever', async () => {
    const table = fresh('key_window');
    await ingest(table, JSON.stringify([{ id: 1 }]), { 'idempotency-key': 'w' });
    const snapshot = await (await DeltaTable.open(location(table), { engine })).snapshot();
    expect(snapshot.configuration[IDEMPOTENCY_KEY_RETENTION_PROPERTY]).toBe('interval 24 hours');
    // The protocol's retention would expire file and Kafka positions too, and load a file again.
    expect(snapshot.configuration[TXN_RETENTION_PROPERTY]).toBeUndefined();
  });

  it('takes a key again once the configured window has passed', async () => {
    const expiring = await startServer({ engine, project, port: 0, anonymous: 'loopback', idempotencyWindow: 'interval 0 seconds' });
    try {
      const table = fresh('key_expired');
      const send = async () => {
        const response = await fetch(`${expiring.url}/v1/ingest/${table}`, {
          method: 'POST',
          body: JSON.stringify([{ id: 1 }, { id: 'bad' }]),
          headers: { 'content-type': 'application/json', 'idempotency-key': 'once' },
        });
        expect(response.status).toBe(200);
        return (await response.json()) as IngestAnswer;
      };
      expect(await send()).toMatchObject({ accepted: 1, quarantined: 1, duplicate: false });
      // A window of 0 expires a key as soon as it is committed.
      expect(await send()).toMatchObject({ accepted: 1, quarantined: 1, duplicate: false });
      expect(await tableRows(engine, location(table))).toHaveLength(2);
      expect(await quarantineRows(engine, location(table))).toHaveLength(2);
    } finally {
      await expiring.close();
    }
  });

  it('refuses to start with an idempotency window that is not a Delta interval', async () => {
    await expect(startServer({ engine, project, port: 0, anonymous: 'loopback', idempotencyWindow: 'a while' })).rejects.toMatchObject({
      code: 'TABLE_PROPERTY_INVALID',
    });
  });

  it('answers an empty array as accepted 0, not as a duplicate', async () => {
    const table = fresh('empty');
    await ingest(table, JSON.stringify([{ id: 1 }]));
    expect(await ingest(table, '[]')).toMatchObject({ accepted: 0, quarantined: 0, duplicate: false });
  });

  it('remembers a key whose first request to a new table was all quarantined', async () => {
    const table = fresh('key_all_bad_first');
    const body = JSON.stringify(['x', 1]);
    expect(await ingest(table, body, { 'idempotency-key': 'first' })).toMatchObject({ accepted: 0, quarantined: 2, duplicate: false });
    expect(await ingest(table, body, { 'idempotency-key': 'first' })).toMatchObject({ accepted: 0, quarantined: 0, duplicate: true });
    expectError(await post(`/v1/ingest/${table}`, JSON.stringify([{ id: 1 }]), { 'idempotency-key': 'first' }), 422, 'INGEST_IDEMPOTENCY_KEY_REUSED');
    expect(await state(table)).toEqual({ exists: false });
    expect(await quarantineRows(engine, location(table))).toHaveLength(2);
  });

  it('does not create a table with a made-up schema from a first request without any object', async () => {
    const table = fresh('no_objects_first');
    expect(await ingest(table, JSON.stringify(['x', 1]))).toMatchObject({ accepted: 0, quarantined: 2 });
    expect(await ingest(table, JSON.stringify([{ id: 1, name: 'ann' }]))).toMatchObject({ accepted: 1, quarantined: 0 });
  });
});

describe('refused requests', () => {
  let table: string;
  let before: Awaited<ReturnType<typeof state>>;

  beforeAll(async () => {
    table = fresh('refusals');
    await ingest(table, JSON.stringify([{ id: 1, name: 'ann' }]));
    before = await state(table);
  });

  it('refuses a body over maxBodyBytes with 413 HTTP_BODY_TOO_LARGE, writing nothing', async () => {
    const records = Array.from({ length: 2000 }, (_, id) => ({ id, name: 'x'.repeat(40) }));
    const body = JSON.stringify(records);
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BODY_BYTES);
    expectError(await post(`/v1/ingest/${table}`, body), 413, 'HTTP_BODY_TOO_LARGE');
    expectError(await post(`/v1/ingest/${fresh('too_large_new')}`, body), 413, 'HTTP_BODY_TOO_LARGE');
    expect(await state(table)).toEqual(before);
  });

  it('refuses a body over maxBodyBytes sent without a Content-Length (chunked), writing nothing', async () => {
    const url = new URL(`${server.url}/v1/ingest/${table}`);
    const answer = await new Promise<{ status: number; json: unknown }>((resolve, reject) => {
      const request = http.request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/x-ndjson' } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      request.on('error', reject);
      const line = `${JSON.stringify({ id: 7, name: 'y'.repeat(100) })}\n`;
      for (let written = 0; written <= MAX_BODY_BYTES; written += line.length) request.write(line);
      request.end();
    });
    expectError(answer, 413, 'HTTP_BODY_TOO_LARGE');
    expect(await state(table)).toEqual(before);
  });

  it('refuses a body that is not JSON, or not an array, with 400 HTTP_BODY_INVALID', async () => {
    expectError(await post(`/v1/ingest/${table}`, '[{"id": 2,'), 400, 'HTTP_BODY_INVALID');
    expectError(await post(`/v1/ingest/${table}`, '{"id": 2}'), 400, 'HTTP_BODY_INVALID');
    expect(await state(table)).toEqual(before);
  });

  it('refuses another content type with 415 HTTP_UNSUPPORTED_MEDIA_TYPE', async () => {
    expectError(await post(`/v1/ingest/${table}`, '{"id": 2}', { 'content-type': 'text/plain' }), 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
    expectError(await post(`/v1/ingest/${table}`, 'id\n2\n', { 'content-type': 'text/csv' }), 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
    expect(await state(table)).toEqual(before);
  });

  it('refuses an invalid table name with 400 PROJECT_TABLE_NAME_INVALID, creating nothing', async () => {
    expectError(await post('/v1/ingest/-dash', '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_INVALID');
    expectError(await post('/v1/ingest/semi%3Bcolon', '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_INVALID');
    expect(existsSync(path.join(project.root, 'tables', '-dash'))).toBe(false);
  });

  it('refuses to write a quarantine or any reserved name with 400 PROJECT_TABLE_NAME_RESERVED, leaving the quarantine alone', async () => {
    await ingest(table, JSON.stringify([{ id: 'bad' }]));
    const held = await state(table);
    expectError(await post(`/v1/ingest/${table}__quarantine`, '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_RESERVED');
    expectError(await post(`/v1/ingest/${table}__QUARANTINE`, '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_RESERVED');
    expectError(await post('/v1/ingest/_delta_log', '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_INVALID');
    // Percent-encoded spellings are decoded before the name is checked.
    expectError(await post(`/v1/ingest/${table}%5F%5Fquarantine`, '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_RESERVED');
    expectError(await post(`/v1/ingest/${table}%5f%5F%51uarantine`, '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_RESERVED');
    // A model's prediction log and feedback are Aquifer's to write, however spelled.
    for (const name of ['churn__predictions', 'churn__feedback', 'churn__Predictions', 'churn%5F%5Fpredictions', 'churn_%5Ffeedback', 'churn__%70redictions'])
      expectError(await post(`/v1/ingest/${name}`, '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_RESERVED');
    expect(existsSync(path.join(project.root, 'tables', 'churn__predictions'))).toBe(false);
    expect(existsSync(path.join(project.root, 'tables', 'churn__feedback'))).toBe(false);
    expect(await state(table)).toEqual(held);
    expect(existsSync(path.join(project.root, 'tables', `${table}__quarantine__quarantine`))).toBe(false);
    // Still quarantines for the table.
    expect(await ingest(table, JSON.stringify([{ id: 'worse' }]))).toMatchObject({ quarantined: 1 });
    before = await state(table);
  });

  it('refuses a name too long for its quarantine with 400 PROJECT_TABLE_NAME_TOO_LONG, creating nothing', async () => {
    const name = 'n'.repeat(251);
    expectError(await post(`/v1/ingest/${name}`, '[{"id": 1}]'), 400, 'PROJECT_TABLE_NAME_TOO_LONG');
    expect(existsSync(path.join(project.root, 'tables', name))).toBe(false);
  });

  it('answers an unknown route, or another method, with 404 HTTP_NOT_FOUND', async () => {
    expectError(await post('/v1/nothing-here', '[]'), 404, 'HTTP_NOT_FOUND');
    const get = await fetch(`${server.url}/v1/ingest/${table}`);
    expectError({ status: get.status, json: await get.json() }, 404, 'HTTP_NOT_FOUND');
    expect(await state(table)).toEqual(before);
  });

  it('still serves the table after the refusals', async () => {
    const answer = await ingest(table, JSON.stringify([{ id: 2, name: 'bob' }]));
    expect(answer).toMatchObject({ accepted: 1, version: (before as { version: number }).version + 1 });
  });
});

describe('values through HTTP ingest', () => {
  /** Post raw bytes (not necessarily UTF-8) to the ingest route. */
  async function postBytes(table: string, body: Uint8Array, contentType = 'application/json'): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${server.url}/v1/ingest/${table}`, { method: 'POST', body, headers: { 'content-type': contentType } });
    return { status: response.status, json: await response.json() };
  }

  it("keeps every digit of an integer beyond 2^53 sent in a JSON array, and the element's own text in the quarantine", async () => {
    const table = fresh('big_ints');
    await ingest(table, '[{"id": 1, "x": 0.5}]');
    const answer = await ingest(table, '[ {"id": 9007199254740993, "x": 1.5},\n  {"id": 2, "x": 1e400}, {"id": 3,   "x": 9007199254740993} ]');
    expect(answer).toMatchObject({ accepted: 1, quarantined: 2 });
    expect((await tableRows(engine, location(table))).map((r) => String(r['id'])).sort()).toEqual(['1', '9007199254740993']);
    expect((await quarantineRows(engine, location(table))).map((q) => [q.reason, q.source['index'], q.payload])).toEqual([
      ['TYPE_MISMATCH', 1, '{"id": 2, "x": 1e400}'],
      ['TYPE_MISMATCH', 2, '{"id": 3,   "x": 9007199254740993}'],
    ]);
  });

  it('gives a JSON array and NDJSON the same answer for 3.0 in a long column and for a repeated key', async () => {
    const records = ['{"id": 3.0}', '{"id": 1, "id": 2}', '{"id": 4}'];
    const answers = [];
    for (const [body, type] of [
      [`[${records.join(',')}]`, 'application/json'],
      [records.join('\n'), 'application/x-ndjson'],
    ] as const) {
      const table = fresh('same_answer');
      await ingest(table, '[{"id": 0}]');
      const answer = await ingest(table, body, { 'content-type': type });
      answers.push({
        accepted: answer.accepted,
        quarantined: (await quarantineRows(engine, location(table))).map((q) => [q.reason, q.payload]),
        rows: (await tableRows(engine, location(table))).map((r) => String(r['id'])).sort(),
      });
    }
    expect(answers[0]).toEqual({
      accepted: 1,
      quarantined: [
        ['TYPE_MISMATCH', '{"id": 3.0}'],
        ['DUPLICATE_KEY', '{"id": 1, "id": 2}'],
      ],
      rows: ['0', '4'],
    });
    expect(answers[1]).toEqual(answers[0]);
  });

  it('refuses a body that is not UTF-8 with 400 HTTP_BODY_INVALID, in both forms, writing nothing', async () => {
    const table = fresh('not_utf8');
    await ingest(table, '[{"id": 1, "s": "a"}]');
    const before = await state(table);
    const bad = (text: string) => Buffer.concat([Buffer.from(text.split('#')[0]!), Buffer.from([0xc3, 0x28]), Buffer.from(text.split('#')[1]!)]);
    expectError(await postBytes(table, bad('[{"id": 2, "s": "#"}]')), 400, 'HTTP_BODY_INVALID');
    expectError(await postBytes(table, bad('{"id": 2, "s": "ok"}\n{"id": 3, "s": "#"}\n'), 'application/x-ndjson'), 400, 'HTTP_BODY_INVALID');
    expect(await state(table)).toEqual(before);
  });

  it('creates a table from a first record with a time of day as a string column, not a 500', async () => {
    const table = fresh('time_of_day');
    expect(await ingest(table, '[{"at": "10:00:00", "id": 1}]')).toMatchObject({ accepted: 1, quarantined: 0 });
    expect(await tableRows(engine, location(table))).toEqual([{ at: '10:00:00', id: '1' }]);
  });

  it('refuses a first record with an empty key with 400 INGEST_SCHEMA_UNINFERABLE, creating nothing', async () => {
    const table = fresh('empty_key');
    expectError(await post(`/v1/ingest/${table}`, '[{"": 1, "id": 1}]'), 400, 'INGEST_SCHEMA_UNINFERABLE');
    expect(await state(table)).toEqual({ exists: false });
  });

  it('stores NUL characters, quotes and backslashes in values and keys exactly, from both body forms', async () => {
    const value = 'nul\u0000 "dq" \'sq\' back\\slash \\u0000';
    const record = { id: 1, s: value, 'k"e\\y\'': value };
    for (const [body, type] of [
      [JSON.stringify([record]), 'application/json'],
      [JSON.stringify(record), 'application/x-ndjson'],
    ] as const) {
      const table = fresh('exact_strings');
      expect(await ingest(table, body, { 'content-type': type })).toMatchObject({ accepted: 1, quarantined: 0 });
      expect(await tableRows(engine, location(table))).toEqual([{ ...record, id: '1' }]);
    }
  });
});

describe('GET /health', () => {
  it('answers ok', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
