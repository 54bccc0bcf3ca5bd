import type http from 'node:http';
import { TextDecoder } from 'node:util';
import { AquiferError } from '../../errors.js';
import { GRANT_SCOPES } from '../../governance/index.js';
import type { Authenticator, Principal } from '../auth/authenticator.js';
import { roleAllows } from '../auth/roles.js';
import { canonicalTarget } from './canonical-path.js';
import { checkJsonShape } from './json-shape.js';
import type { ServerLimits } from './limits.js';
import { checkOrigin } from './origin.js';
import { readBody } from './read-body.js';
import { matchRoute, NDJSON_TYPES, routeList, type RouteSpec } from './routes.js';

/** A request that passed every check: its route, caller and body, ready for a handler. */
export interface AdmittedRequest {
  route: RouteSpec;
  params: Record<string, string>;
  principal: Principal;
  /** The canonical path (re-encoded) and query, for the router. */
  url: string;
  /** The whole body (empty for routes without one); `text` is it checked UTF-8, empty for a raw-body route. */
  body: Buffer;
  text: string;
  /** The tensor bytes after the JSON header of a binary tensor data request; `text` is then the header alone. */
  binary?: BinaryTensorBody;
}

/** A request's binary tensor data (the Open Inference Protocol's binary extension), with the bound on its elements. */
export interface BinaryTensorBody {
  bytes: Buffer;
  /** Most tensor elements the bytes may hold: the records limit, as for the same tensors in JSON. */
  maxElements: number;
}

export interface PipelineOptions {
  authenticator: Authenticator;
  limits: ServerLimits;
  listensOnLoopback: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The one request pipeline every route goes through, the fast lookup path included: path
 * spelling, Origin/Host, token and role, content type, body size and time, UTF-8, JSON depth
 * and record count, then token scopes. Anything refused is a typed error, thrown before a
 * handler sees the request, so nothing is written.
 */
export class RequestPipeline {
  constructor(private readonly options: PipelineOptions) {}

  /**
   * `signal` is the request's deadline (serve.ts): a body still arriving when it passes is
   * abandoned. `onPrincipal` learns the caller once proven, so a request refused after that (its
   * role, a limit) is still audited as theirs.
   */
  async admit(request: http.IncomingMessage, signal?: AbortSignal, onPrincipal?: (principal: Principal) => void): Promise<AdmittedRequest> {
    const deadline = Date.now() + this.options.limits.bodyTimeoutMs;
    const method = request.method ?? 'GET';
    const target = canonicalTarget(request.url ?? '/');
    checkOrigin(request.headers, this.options.listensOnLoopback);
    const match = matchRoute(method, target.path);
    const principal =
      match.route !== undefined && match.route.role === undefined
        ? ({ anonymous: true, role: 'reader' } as const)
        : await this.options.authenticator.authenticate(request.headers.authorization, request.socket.remoteAddress);
    onPrincipal?.(principal);
    if (match.route === undefined) {
      throw new AquiferError('HTTP_NOT_FOUND', `No route for ${method} ${target.path}`, { hint: routesHint() });
    }
    const { route, params } = match;
    // A token holding the route's granting scope (`governance`) may call it whatever its role, and covers its names.
    const granted = route.grantingScope !== undefined && !principal.anonymous && principal.scopes?.includes(route.grantingScope) === true;
    if (route.role !== undefined && !granted && !roleAllows(principal.role, route.role))
      throw new AquiferError('AUTH_FORBIDDEN', `${route.path} needs a ${route.role} token, not ${principal.role}`, {
        value: principal.role,
        hint: `Create one with \`aquifer tokens create --role ${route.role}\`.`,
      });
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    // Triton's own client sends its inference requests without a Content-Type.
    const untypedTensors = type === '' && route.binaryTensorData === true;
    if (route.rawBody !== true && route.contentTypes.length > 0 && !route.contentTypes.includes(type) && !untypedTensors)
      throw new AquiferError('HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Type '${type || '(none)'}' is not accepted on ${route.path}`, {
        value: type,
        hint: `Send ${route.contentTypes.join(' or ')}.`,
      });
    const body =
      route.rawBody !== true &&
      route.contentTypes.length === 0 &&
      request.headers['content-length'] === undefined &&
      request.headers['transfer-encoding'] === undefined
        ? Buffer.alloc(0)
        : await readBody(request, this.options.limits.bodyBytes, deadline, signal);
    const headerLength = route.binaryTensorData === true ? inferenceHeaderLength(request.headers, body.length) : undefined;
    // Uploaded files are bytes: decoding them would refuse any binary file.
    const text = route.rawBody === true ? '' : decodeUtf8(headerLength === undefined ? body : body.subarray(0, headerLength));
    if (route.rawBody !== true && route.contentTypes.length > 0) checkJsonShape(text, this.options.limits, NDJSON_TYPES.has(type));
    // Grants (`pii`) are not names: a token whose scopes are all grants is limited to no names.
    const named = principal.anonymous ? undefined : principal.scopes?.filter((s) => !GRANT_SCOPES.has(s));
    if (!granted && named !== undefined && named.length > 0 && route.scopeNames !== undefined)
      checkScopes(
        named,
        route.scopeNames(params, () => parseQuietly(text)),
      );
    const admitted: AdmittedRequest = { route, params, principal, url: target.url, body, text };
    if (headerLength !== undefined) admitted.binary = { bytes: body.subarray(headerLength), maxElements: this.options.limits.records };
    return admitted;
  }
}

/**
 * The length of the JSON header of a binary tensor data body (`Inference-Header-Content-Length`),
 * undefined without the header (the body is all JSON). It must be a whole number of bytes
 * within the body that was read, so the header can never reach past what the size limit let in.
 */
function inferenceHeaderLength(headers: http.IncomingHttpHeaders, bodyLength: number): number | undefined {
  const raw = headers['inference-header-content-length'];
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw.join(',') : raw;
  const length = /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(length > 0 && length <= bodyLength))
    throw new AquiferError('HTTP_BODY_INVALID', `Inference-Header-Content-Length '${text.slice(0, 40)}' is not a length within the ${bodyLength}-byte body`, {
      value: { header: 'Inference-Header-Content-Length', length: text.slice(0, 40), body: bodyLength },
      hint: 'Give the byte length of the JSON object that starts the body; the tensor bytes follow it.',
    });
  return length;
}

function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new AquiferError('HTTP_BODY_INVALID', 'The body is not valid UTF-8', { hint: 'Send UTF-8 encoded JSON.' });
  }
}

function checkScopes(scopes: readonly string[], names: readonly string[]): void {
  const outside = names.filter((n) => !scopes.includes(n));
  if (outside.length > 0 || names.length === 0)
    throw new AquiferError('AUTH_FORBIDDEN', `The token's scopes do not cover ${outside.join(', ') || 'this request'}`, {
      value: outside,
      hint: `This token may touch: ${scopes.join(', ')}.`,
    });
}

/** The body as JSON for a scope check; a body that does not parse names nothing (its route refuses it). */
function parseQuietly(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function routesHint(): string {
  return `Routes: ${routeList().join(', ')}.`;
}
