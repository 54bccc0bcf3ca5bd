import { Hono } from 'hono';
import { AquiferError, isAquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { statusFor } from './http-status.js';
import { registerFeatureRoutes } from './feature-routes.js';
import { registerIngestRoute } from './ingest-route.js';

export interface AppOptions {
  engine: Engine;
  project: Project;
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The HTTP API. Errors become JSON bodies with the error's code, message and hint, and a status from its code. */
export function buildApp(options: AppOptions): Hono {
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  registerIngestRoute(app, { engine: options.engine, project: options.project, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  registerFeatureRoutes(app, { engine: options.engine, project: options.project });
  app.notFound((c) => c.json({ error: new AquiferError('HTTP_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`, { hint: 'POST /v1/ingest/{table}, GET /health.' }).toJSON() }, 404));
  app.onError((error, c) => {
    if (isAquiferError(error)) {
      const status = statusFor(error.code);
      if (status >= 500) log.error({ err: error, code: error.code }, 'request failed');
      return c.json({ error: error.toJSON() }, status as 400);
    }
    log.error({ err: error }, 'unexpected error in a request');
    return c.json({ error: { code: 'INTERNAL', message: 'An unexpected error occurred; it has been logged.', hint: 'Retry; if it persists, report it with the server log.' } }, 500);
  });
  return app;
}
