import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../src/server/index.js';
import { serve, securityProject, type SecurityFixture } from './fixture.js';
import { rawRequest } from './raw-request.js';

const LIMITS = { bodyBytes: 4 * 1024, records: 100 };

let fixture: SecurityFixture;
let server: RunningServer;
let reader: string;

beforeAll(async () => {
  fixture = await securityProject();
  reader = (await fixture.store.create({ role: 'reader' })).token;
  server = await serve(fixture, { limits: LIMITS });
});
afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

/** A binary tensor data body: the JSON header, then the bytes, and its length header (or `headerLength` as given). */
function binaryInfer(header: unknown, bytes: Buffer, headerLength?: string, contentType?: string) {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return rawRequest(server.url, {
    path: '/v2/models/churn/infer',
    headers: {
      authorization: `Bearer ${reader}`,
      'inference-header-content-length': headerLength ?? String(json.length),
      ...(contentType === undefined ? {} : { 'content-type': contentType }),
    },
    body: Buffer.concat([json, bytes]),
  });
}

const fp32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const input = (shape: number[], size: number, datatype = 'FP32') => ({ name: 'x', shape, datatype, parameters: { binary_data_size: size } });
const answer = async (pending: ReturnType<typeof binaryInfer>) => {
  const a = await pending;
  return `${a.status} ${String(a.json['code'])}`;
};

describe('binary tensor data on /v2/models/{model}/infer', () => {
  it('reaches the model only when the header length, byte sizes, shapes and datatypes agree (no such model here: 404)', async () => {
    expect(await answer(binaryInfer({ inputs: [input([2, 2], 16)] }, fp32([1, 2, 3, 4])))).toBe('404 MODEL_STORE_NOT_FOUND');
    expect(await answer(binaryInfer({ inputs: [input([2, 2], 16)] }, fp32([1, 2, 3, 4]), undefined, 'application/octet-stream'))).toBe(
      '404 MODEL_STORE_NOT_FOUND',
    );
    const text = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('hi'), Buffer.from([0, 0, 0, 0])]);
    expect(await answer(binaryInfer({ inputs: [input([2], text.length, 'BYTES')] }, text))).toBe('404 MODEL_STORE_NOT_FOUND');
  });

  it('refuses an Inference-Header-Content-Length that is not a length within the body with 400 HTTP_BODY_INVALID', async () => {
    const header = { inputs: [input([1], 4)] };
    const length = Buffer.byteLength(JSON.stringify(header));
    for (const bad of [String(length + 5), '0', '-1', 'abc', '1e3', '99999999999999999999', ''])
      expect(await answer(binaryInfer(header, fp32([1]), bad)), bad).toBe('400 HTTP_BODY_INVALID');
    // A length that cuts the JSON short leaves JSON that does not parse.
    expect(await answer(binaryInfer(header, fp32([1]), String(length - 3)))).toBe('400 HTTP_BODY_INVALID');
  });

  it('refuses byte sizes that do not fit the shape and datatype, or the bytes sent, with 400 MODEL_REQUEST_INVALID', async () => {
    const cases: [string, unknown, Buffer][] = [
      ['size smaller than the shape', { inputs: [input([2, 2], 12)] }, fp32([1, 2, 3])],
      ['size larger than the shape', { inputs: [input([1], 8)] }, fp32([1, 2])],
      ['size past the bytes sent', { inputs: [input([4], 16)] }, fp32([1, 2])],
      ['bytes left over', { inputs: [input([1], 4)] }, fp32([1, 2])],
      ['FP64 sent as 4-byte values', { inputs: [input([2], 8, 'FP64')] }, fp32([1, 2])],
      ['a cut-off BYTES length', { inputs: [input([1], 2, 'BYTES')] }, Buffer.from([5, 0])],
      ['a BYTES element longer than the data', { inputs: [input([1], 6, 'BYTES')] }, Buffer.from([9, 0, 0, 0, 104, 105])],
      ['more BYTES elements than the shape', { inputs: [input([1], 8, 'BYTES')] }, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])],
      ['data beside binary_data_size', { inputs: [{ ...input([1], 4), data: [1] }] }, fp32([1])],
      ['neither data nor binary_data_size', { inputs: [{ name: 'x', shape: [1], datatype: 'FP32' }] }, fp32([1])],
    ];
    for (const [what, header, bytes] of cases) expect(await answer(binaryInfer(header, bytes)), what).toBe('400 MODEL_REQUEST_INVALID');
    // binary_data_size in plain JSON, without the length header or the bytes.
    const plain = await rawRequest(server.url, {
      path: '/v2/models/churn/infer',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [input([1], 4)] }),
    });
    expect(`${plain.status} ${String(plain.json['code'])}`).toBe('400 MODEL_REQUEST_INVALID');
  });

  it('bounds a binary body by the size limit and its elements by the records limit, as JSON tensors are', async () => {
    const big = Buffer.alloc(LIMITS.bodyBytes);
    expect(await answer(binaryInfer({ inputs: [input([big.length / 4], big.length)] }, big))).toBe('413 HTTP_BODY_TOO_LARGE');
    const many = fp32(Array.from({ length: LIMITS.records + 1 }, (_, i) => i));
    expect(await answer(binaryInfer({ inputs: [input([LIMITS.records + 1], many.length)] }, many))).toBe('413 HTTP_TOO_MANY_RECORDS');
    // Counted over every input of the request.
    const half = LIMITS.records / 2;
    const split = fp32(Array.from({ length: LIMITS.records + 1 }, (_, i) => i));
    expect(await answer(binaryInfer({ inputs: [input([half], half * 4), { ...input([half + 1], (half + 1) * 4), name: 'y' }] }, split))).toBe(
      '413 HTTP_TOO_MANY_RECORDS',
    );
    // A JSON header nested past the depth limit is refused as any JSON body is.
    const deep = { inputs: [input([1], 4)], parameters: { x: JSON.parse(`${'['.repeat(80)}${']'.repeat(80)}`) as unknown } };
    expect(await answer(binaryInfer(deep, fp32([1])))).toBe('400 HTTP_BODY_TOO_DEEP');
  });

  it('still refuses a content type that is neither JSON nor octet-stream with 415', async () => {
    expect(await answer(binaryInfer({ inputs: [input([1], 4)] }, fp32([1]), undefined, 'text/plain'))).toBe('415 HTTP_UNSUPPORTED_MEDIA_TYPE');
  });
});
