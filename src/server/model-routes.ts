import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { encodeBinaryTensor, modelRef, type InferResponse, type ModelServing } from '../models/index.js';
import { parseFeedback, parseInfer, parsePredict } from './model-requests.js';
import { contextOf } from './request-context.js';

/** The routes `predictJson` answers. */
export const PREDICT_PATHS: ReadonlySet<string> = new Set(['/v1/models/:name/predict', '/v1/models/:name/versions/:version/predict']);

/**
 * `POST /v1/models/{model}/predict`: entity keys in, features fetched from the online store
 * through the version's training set, predictions out (JSON text), every row logged. Served
 * on node:http directly, like online lookups, since it is as latency-critical.
 */
export async function predictJson(
  serving: ModelServing,
  params: Readonly<Record<string, string>>,
  text: string,
  requestId: string | undefined,
  signal?: Pick<AbortSignal, 'throwIfAborted'>,
): Promise<string> {
  const request = parsePredict(text);
  const ref = modelRef(params['name'] ?? '', params['version']);
  return JSON.stringify(await serving.predict(ref, request, requestId ?? randomUUID(), signal));
}

/** What `GET /v2` reports as the server's version. */
const SERVER_VERSION = '0.1.0';

/** The protocol extensions `GET /v2` reports: Triton's binary tensor data, which Triton's clients use. */
const OIP_EXTENSIONS = ['binary_tensor_data'];

/**
 * Online prediction. A model is named `name` (its newest version), `name@alias`, or
 * `name` followed by `versions/{version}` (a number or an alias):
 * - `POST /v1/models/{model}/predict` is `predictJson`, served outside the app;
 * - `POST /v2/models/{model}[/versions/{v}]/infer`, `GET /v2/models/{model}[/versions/{v}]`
 *   and `…/ready`: the Open Inference Protocol (KServe v2) for callers who send the tensors;
 * - `POST /v1/models/{name}/feedback`: labels for logged predictions.
 */
export function registerModelRoutes(app: Hono, serving: ModelServing, onFeedback?: (model: string, labels: number) => void): void {
  const text = async (c: Context) => contextOf(c.env)?.text ?? (await c.req.text());
  const requestId = (c: Context) => c.req.header('x-request-id') ?? randomUUID();
  const ref = (c: Context) => modelRef(c.req.param('name') ?? '', c.req.param('version'));

  // The protocol's server probes: the process answers, and models load on demand, so ready is live.
  app.get('/v2/health/live', (c) => c.json({ live: true }));
  app.get('/v2/health/ready', (c) => c.json({ ready: true }));
  app.get('/v2', (c) => c.json({ name: 'aquifer', version: SERVER_VERSION, extensions: OIP_EXTENSIONS }));
  for (const path of ['/v2/models/:name/infer', '/v2/models/:name/versions/:version/infer'])
    app.post(path, async (c) => {
      const wire = parseInfer(await text(c), contextOf(c.env)?.binary);
      return inferAnswer(c, await serving.infer(ref(c), wire.request), wire.binaryOutput);
    });
  for (const path of ['/v2/models/:name', '/v2/models/:name/versions/:version']) app.get(path, async (c) => c.json(await serving.metadata(ref(c))));
  for (const path of ['/v2/models/:name/ready', '/v2/models/:name/versions/:version/ready'])
    app.get(path, async (c) => {
      const model = await serving.model(ref(c));
      return c.json({ name: model.name, version: model.version, ready: true });
    });
  app.post('/v1/models/:name/feedback', async (c) => {
    const model = modelRef(c.req.param('name')).name;
    const result = await serving.feedback(model, parseFeedback(await text(c)), requestId(c));
    onFeedback?.(model, result.accepted);
    return c.json(result);
  });
}

/**
 * An inference answer: JSON, or, when an output is asked for as binary data, the JSON header
 * (that output's `data` replaced by `parameters.binary_data_size`) followed by the outputs'
 * bytes in the order listed, its length in `Inference-Header-Content-Length`.
 */
function inferAnswer(c: Context, answer: InferResponse, binaryOutput: (name: string) => boolean): Response {
  const chunks: Buffer[] = [];
  const outputs = answer.outputs.map((output) => {
    if (!binaryOutput(output.name)) return output;
    const bytes = encodeBinaryTensor(output);
    chunks.push(bytes);
    const { data: _data, ...described } = output;
    return { ...described, parameters: { binary_data_size: bytes.length } };
  });
  if (chunks.length === 0) return c.json(answer);
  const header = Buffer.from(JSON.stringify({ ...answer, outputs }), 'utf8');
  return c.body(Buffer.concat([header, ...chunks]), 200, {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(header.length),
  });
}
