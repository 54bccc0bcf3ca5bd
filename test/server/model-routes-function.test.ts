import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { feedbackRows, predictionsTable, registerFunctionModel, unregisterFunctionModel } from '../../src/models/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let server: RunningServer | undefined;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-function-model-'));
  for (const role of ['reader', 'writer'] as const) tokens[role] = (await TokenStore.forProject(project).create({ role, name: role })).token;
  tokens['scoped'] = (await TokenStore.forProject(project).create({ role: 'writer', scopes: ['other_model'] })).token;
  registerFunctionModel('score', (rows) => rows.map((r) => Number(r['amount']) * 2 + (r['user_id'] === 'u2' ? 1 : 0)), { inputs: ['amount'] });
  server = await startServer({ engine, project, port: 0 });
});

afterAll(async () => {
  unregisterFunctionModel('score');
  await server?.close();
  engine?.close();
});

const call = async (route: string, body: unknown, token: string | undefined) => {
  const response = await fetch(`${server!.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('a function model behind the server', () => {
  it('predicts for a reader token, with entity keys and request fields, and answers under version "function"', async () => {
    const answer = await call('/v1/models/score/predict', { entities: { user_id: ['u1', 'u2'] }, request: { amount: [1.5, 10] } }, tokens['reader']);
    expect(answer).toMatchObject({ status: 200, body: { model: 'score', version: 'function', predictions: [3, 21], outputs: { prediction: [3, 21] } } });
    const infer = await call('/v2/models/score/infer', { inputs: [{ name: 'amount', shape: [2], datatype: 'FP64', data: [1, 2] }] }, tokens['reader']);
    expect(infer.body['outputs']).toEqual([{ name: 'prediction', datatype: 'FP64', shape: [2], data: [2, 4] }]);
  });

  it("answers the Open Inference Protocol's server probes without a token, and its server metadata with one", async () => {
    for (const [route, body] of [
      ['/v2/health/live', { live: true }],
      ['/v2/health/ready', { ready: true }],
    ] as const) {
      const response = await fetch(`${server!.url}${route}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(body);
    }
    expect((await fetch(`${server!.url}/v2`)).status).toBe(401);
    const metadata = await fetch(`${server!.url}/v2`, { headers: { authorization: `Bearer ${tokens['reader']}` } });
    expect(await metadata.json()).toMatchObject({ name: 'aquifer', extensions: ['binary_tensor_data'] });
  });

  it('needs a token, a writer for feedback, and a scope naming the model', async () => {
    expect((await call('/v1/models/score/predict', { instances: [{ amount: 1 }] }, undefined)).status).toBe(401);
    expect(await call('/v1/models/score/feedback', { request_id: 'x', label: 1 }, tokens['reader'])).toMatchObject({
      status: 403,
      body: { error: { code: 'AUTH_FORBIDDEN' } },
    });
    expect((await call('/v1/models/score/predict', { instances: [{ amount: 1 }] }, tokens['scoped'])).status).toBe(403);
    expect((await call(`/v1/models/${encodeURIComponent('score@champion')}/predict`, { instances: [{ amount: 1 }] }, tokens['scoped'])).status).toBe(403);
  });

  it('logs what it answered and joins the labels fed back, committed by the time close returns', async () => {
    const answer = await call(
      '/v1/models/score/predict',
      {
        instances: [
          { user_id: 'u7', amount: 4 },
          { user_id: 'u8', amount: 5 },
        ],
      },
      tokens['reader'],
    );
    const requestId = answer.body['request_id'] as string;
    expect(await call('/v1/models/score/feedback', [{ request_id: requestId, row: 1, label: 'churned' }], tokens['writer'])).toEqual({
      status: 200,
      body: { accepted: 1 },
    });
    await server!.close();
    server = undefined;
    const log = await (await DeltaTable.open(project.tablePath(predictionsTable('score'), { internal: true }), { engine })).scan();
    // Two rows from the first test, two from its infer, two here.
    expect(await log.count()).toBe(6);
    expect(await feedbackRows(project, engine, 'score')).toMatchObject([
      { requestId, rowIndex: 1, version: 'function', features: { user_id: 'u8', amount: 5 }, entities: {}, prediction: 10, label: 'churned' },
    ]);
  });
});
