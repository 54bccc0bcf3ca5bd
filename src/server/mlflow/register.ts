import type { Context, Hono } from 'hono';
import { contextOf } from '../request-context.js';
import type { MlflowContext, MlflowEndpoint } from './endpoint.js';
import { MLFLOW_ENDPOINTS } from './endpoints.js';
import { Fields } from './fields.js';

/** Hono's spelling of a path: a trailing `*name` becomes a parameter over the rest of the path. */
function honoPath(path: string): string {
  return path.replace(/\/\*(\w+)$/, '/:$1{.+}');
}

async function reply(endpoint: MlflowEndpoint, c: Context, context: MlflowContext): Promise<Response> {
  const admitted = contextOf(c.env);
  const body = admitted?.body ?? new Uint8Array(await c.req.arrayBuffer());
  const fields = endpoint.body === 'json' ? Fields.fromJson(admitted?.text ?? new TextDecoder().decode(body)) : new Fields(c.req.query(), c.req.queries());
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(c.req.param() as Record<string, string>)) params[name] = value;
  const signal = admitted?.signal;
  // The first call opens the store, which can take long: a request already answered 503 by then writes nothing.
  const store = async () => {
    const opened = await context.store();
    signal?.throwIfAborted();
    return opened;
  };
  const result = await endpoint.handle({ fields, params, body, ...(signal === undefined ? {} : { signal }) }, { ...context, store });
  if (result instanceof Uint8Array) {
    return new Response(result, { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(result.byteLength) } });
  }
  return c.json(result);
}

/** Every MLflow endpoint on the app; unknown MLflow paths are answered by the app's not-found handler. */
export function registerMlflowRoutes(app: Hono, context: MlflowContext): void {
  for (const endpoint of MLFLOW_ENDPOINTS) {
    app.on(endpoint.method, honoPath(endpoint.path), (c) => reply(endpoint, c, context));
  }
}
