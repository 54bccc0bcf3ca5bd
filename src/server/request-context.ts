import type http from 'node:http';
import type { Principal } from './auth/authenticator.js';
import type { BinaryTensorBody } from './pipeline/pipeline.js';

/** What the pipeline found for an admitted request that the Hono app's handlers reuse. */
export interface RequestContext {
  /** The request's deadline (request-deadline.ts). */
  signal: AbortSignal;
  /** The body as read and its text as checked (UTF-8, JSON shape), so no handler decodes it again. */
  body: Buffer;
  text: string;
  /** The tensor bytes of a binary tensor data request; `text` is then its JSON header alone. */
  binary?: BinaryTensorBody;
  /** Who is calling: what a route masks its answer for. */
  principal?: Principal;
}

/** Keyed by the node request, which the Hono app's handlers get as `c.env.incoming`. */
const contexts = new WeakMap<http.IncomingMessage, RequestContext>();

export function attachContext(request: http.IncomingMessage, context: RequestContext): void {
  contexts.set(request, context);
}

/** The admitted request's context; undefined when the app is driven without the server (app.request in tests). */
export function contextOf(env: unknown): RequestContext | undefined {
  const incoming = (env as { incoming?: http.IncomingMessage } | undefined)?.incoming;
  return incoming === undefined ? undefined : contexts.get(incoming);
}
