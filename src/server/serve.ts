import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { currentAuditScope, runInAuditScope } from '../audit/index.js';
import { AquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import { recordLineage } from '../lineage/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { buildApp } from './app.js';
import type { LineageEventSource } from './lineage-routes.js';
import { ModelServing } from '../models/index.js';
import { Authenticator, type AnonymousAccess } from './auth/authenticator.js';
import { TokenStore } from './auth/token-store.js';
import { errorBody, isOipPath, oipErrorBody } from './error-body.js';
import { isLoopback } from './loopback.js';
import { featureStoreOpener, onlineFeaturesJson } from './feature-routes.js';
import { isMlflowPath, mlflowErrorBody } from './mlflow/index.js';
import { modelStoreOpener } from './model-store-opener.js';
import { PREDICT_PATHS, predictJson } from './model-routes.js';
import { serverSettings, type ServerLimits } from './pipeline/limits.js';
import { canonicalTarget } from './pipeline/canonical-path.js';
import { RequestPipeline } from './pipeline/pipeline.js';
import { matchRoute } from './pipeline/routes.js';
import { ServerMetrics } from '../monitor/index.js';
import { attachContext } from './request-context.js';
import { RequestDeadlines } from './request-deadline.js';
import { RequestAudit } from './request-audit.js';
import type { Principal } from './auth/authenticator.js';
import { checkPort, listenError } from './listen.js';
import { MonitorScheduler } from './monitor-scheduler.js';
import { startTrainingTracking } from './training-tracking.js';
import { AssetRunLaunches } from './asset-routes.js';
import { GovernanceJobs } from './governance-jobs.js';
import { ResponseMasking } from './response-masking.js';
import { Scheduler } from '../orchestrate/index.js';

export interface ServeOptions {
  engine: Engine;
  project: Project;
  host?: string;
  /** 0 picks a free port; a string is checked like a flag's value. */
  port?: number | string;
  /** Over the project's `server.anonymous` (aquifer.json). */
  anonymous?: AnonymousAccess;
  /** Over the project's `server.limits`. */
  limits?: Partial<ServerLimits>;
  /** How long ingestion remembers an Idempotency-Key on the tables it creates ('interval 24 hours' by default). */
  idempotencyWindow?: string;
  /** The run events the lineage routes query (the project's lineage log by default). */
  lineageEvents?: LineageEventSource;
  /** How often due monitors are looked for (MONITOR_TICK_MS by default); `server.monitors: "off"` runs none. */
  monitorTickMs?: number;
  /** How often the asset scheduler looks (SCHEDULER_TICK_MS by default); `server.scheduler: "off"` runs none. */
  schedulerTickMs?: number;
  /** False: neither the monitors nor the asset scheduler run (a training command's tracking server); true by default. */
  background?: boolean;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const settings = serverSettings(options.project.config.server, {
    ...(options.anonymous === undefined ? {} : { anonymous: options.anonymous }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  const port = checkPort(options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  // Every run the server makes in the project (ingests, materializations, prediction logs) is its lineage.
  const lineage = recordLineage(options.project, options.engine, { logInThread: true });
  // Every request leaves one audit entry, committed in batches off its path (docs/governance.md).
  const audit = new RequestAudit(options.project, options.engine);
  const featureStore = featureStoreOpener(options.project, options.engine);
  // One model store for the MLflow API and prediction: one SQLite connection, closed after the log's last flush.
  const modelStore = modelStoreOpener(options.project);
  const logDurability = options.project.config.server?.predictionLog;
  // One registry per server: two servers in one process keep their own counts.
  const metrics = new ServerMetrics({ project: options.project, engine: options.engine });
  const models = new ModelServing({
    project: options.project,
    engine: options.engine,
    featureStore,
    store: modelStore,
    logObserver: metrics.predictions,
    ...(logDurability === undefined ? {} : { logDurability }),
  });
  const assetRuns = new AssetRunLaunches(options.project.config.server?.maxConcurrentRuns);
  const governanceJobs = new GovernanceJobs(options.project);
  // One masking for every route: one read of the project's key, one cache of the features' tags.
  const masking = new ResponseMasking(options.project, options.engine);
  const app = buildApp({
    masking,
    assetRuns,
    governanceJobs,
    engine: options.engine,
    project: options.project,
    featureStore,
    modelStore,
    models,
    metrics,
    flushAudit: () => audit.flush(),
    ...(options.idempotencyWindow === undefined ? {} : { idempotencyWindow: options.idempotencyWindow }),
    ...(options.lineageEvents === undefined ? {} : { lineageEvents: options.lineageEvents }),
  });
  const viaApp = getRequestListener(app.fetch);
  const pipeline = new RequestPipeline({
    authenticator: new Authenticator(TokenStore.forProject(options.project), settings.anonymous),
    limits: settings.limits,
    listensOnLoopback: isLoopback(host),
  });
  const roots = [options.project.root];
  const send = (response: http.ServerResponse, status: number, json: string, headers: http.OutgoingHttpHeaders = {}) => {
    if (response.headersSent) return;
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers });
    response.end(json);
  };
  const fail = (request: http.IncomingMessage, response: http.ServerResponse, error: unknown, headers: http.OutgoingHttpHeaders = {}) => {
    // An MLflow client refused by the pipeline (token, limits) still reads MLflow's error body.
    // And an Open Inference Protocol client reads that protocol's.
    const path = canonicalPathOf(request.url);
    const { status, body } = isMlflowPath(path) ? mlflowErrorBody(error, roots) : isOipPath(path) ? oipErrorBody(error, roots) : errorBody(error, roots);
    const code = 'error_code' in body ? body.error_code : 'code' in body ? body.code : body.error.code;
    log.debug({ method: request.method, code, status }, 'request refused');
    const scope = currentAuditScope();
    if (scope !== undefined && typeof code === 'string') scope.errorCode ??= code;
    // A refused body may still be arriving: answer, close the connection, and let the rest
    // drain into nothing rather than into memory.
    const unread = !request.complete;
    send(response, status, JSON.stringify(body), unread ? { ...headers, connection: 'close' } : headers);
    if (unread) request.resume();
  };
  let inFlight = 0;
  const deadlines = new RequestDeadlines(settings.limits.requestTimeoutMs);
  const server = http.createServer((request, response) => {
    const scope = isHealth(request.url) ? undefined : audit.begin();
    if (scope === undefined) handle(request, response, undefined);
    // Everything the request's handlers run inherits the scope, so their commits reach its entry.
    else runInAuditScope(scope, () => handle(request, response, scope));
  });
  const handle = (request: http.IncomingMessage, response: http.ServerResponse, scope: ReturnType<typeof audit.begin>) => {
    const arrived = performance.now();
    let principal: Principal | undefined;
    let params: Readonly<Record<string, string>> = {};
    // The matched route's template once the pipeline admits the request (the metrics' `route` label).
    let route: string | undefined;
    // Counted from arrival, before the token or body is read: a flood of slow or unauthenticated
    // requests is what the bound is for. The health probes stay exempt so they see a busy server as up.
    const counted = !isHealth(request.url);
    if (counted) {
      if (inFlight >= settings.limits.concurrentRequests) {
        fail(request, response, serverBusy(settings.limits.concurrentRequests), { 'retry-after': '1' });
        return;
      }
      inFlight++;
    }
    const deadline = deadlines.start();
    response.once('close', () => {
      if (counted) inFlight--;
      deadline.clear();
      const seconds = (performance.now() - arrived) / 1000;
      const routePattern = route ?? refusedRoute(request);
      metrics.http.observe(routePattern, request.method, response.headersSent ? response.statusCode : 'aborted', seconds);
      audit.end(scope, {
        method: request.method ?? 'GET',
        route: routePattern,
        params,
        principal,
        status: response.headersSent ? response.statusCode : undefined,
        durationMs: seconds * 1000,
      });
    });
    // The body's own limit (bodyTimeoutMs) runs from arrival too, so the request deadline can
    // only pass while a body arrives when it is the shorter one: only then is a signal needed.
    const bodySignal = settings.limits.requestTimeoutMs < settings.limits.bodyTimeoutMs ? deadline.signal : undefined;
    deadline
      .race(
        pipeline.admit(request, bodySignal, (proven) => {
          principal = proven;
        }),
      )
      .then(
        (admitted) => {
          route = admitted.route.path;
          principal = admitted.principal;
          params = admitted.params;
          // Online lookups and predictions are the latency-critical routes: they skip the Fetch
          // API adapter (a Request and a Response object per call, about half a small lookup's
          // time) and run on node:http directly; everything else goes through the Hono app.
          // Both come after the same pipeline.
          const fast =
            admitted.route.path === '/get-online-features'
              ? onlineFeaturesJson(featureStore, admitted.text, deadline, { masking, reader: admitted.principal })
              : PREDICT_PATHS.has(admitted.route.path)
                ? predictJson(models, admitted.params, admitted.text, headerValue(request.headers['x-request-id']), deadline)
                : undefined;
          if (fast !== undefined) {
            deadline.race(fast).then(
              (json) => send(response, 200, json),
              (error: unknown) => fail(request, response, error),
            );
            return;
          }
          request.url = admitted.url;
          // @hono/node-server reads a body already taken off the stream from `rawBody`.
          (request as http.IncomingMessage & { rawBody?: Buffer }).rawBody = admitted.body;
          // The app answers 503 itself when the deadline passes first (app.ts), so that only one
          // writer ever touches the response.
          attachContext(request, {
            signal: deadline.signal,
            body: admitted.body,
            text: admitted.text,
            principal: admitted.principal,
            ...(admitted.binary === undefined ? {} : { binary: admitted.binary }),
          });
          void viaApp(request, response);
        },
        (error: unknown) => fail(request, response, error),
      );
  };
  // Requests Node's parser refuses (bad request line, oversized headers, headers too slow)
  // never reach the pipeline; they still get a typed body instead of a bare status line.
  server.on('clientError', (error: Error & { code?: string }, socket) => {
    if (!socket.writable) return;
    const code =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 'HTTP_HEADERS_TOO_LARGE'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'HTTP_REQUEST_TIMEOUT'
          : 'HTTP_REQUEST_INVALID';
    const { status, body } = errorBody(
      new AquiferError(code, 'The request was refused before it could be read', {
        hint: 'Send a well-formed HTTP/1.1 request within the limits of docs/security.md.',
      }),
    );
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
    );
  });
  server.keepAliveTimeout = 65_000;
  // Node's own limits as a backstop behind the pipeline's typed one.
  server.headersTimeout = Math.min(settings.limits.bodyTimeoutMs, 60_000);
  server.requestTimeout = settings.limits.bodyTimeoutMs + 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      void lineage.close();
      void audit.close();
      reject(listenError(error, host, port));
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const background = options.background !== false;
      const monitors =
        !background || options.project.config.server?.monitors === 'off'
          ? undefined
          : new MonitorScheduler(options.project, options.engine, { tickMs: options.monitorTickMs, tracking: startTrainingTracking });
      monitors?.start();
      // Scheduled and sensed assets run inside the server, as `aquifer scheduler` runs them.
      const assets =
        !background || options.project.config.server?.scheduler === 'off'
          ? undefined
          : new Scheduler(options.project, {
              engine: options.engine,
              ...(options.schedulerTickMs === undefined ? {} : { tickMs: options.schedulerTickMs }),
            });
      assets?.start();
      resolve({
        url: `http://${host === 'localhost' ? host : shownHost}:${address.port}`,
        // Requests in flight finish first; then every prediction they answered is committed to its log.
        close: async () => {
          await new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          });
          await monitors?.stop();
          // No new runs; those running get the grace period, then are cancelled (recorded `cancelled`, nothing committed).
          await assets?.stop();
          await assetRuns.idle();
          // An erasure under way is finished (and its record kept), never cut between its purge and its proof.
          await governanceJobs.idle();
          await models.close();
          await modelStore.close();
          await lineage.close();
          await audit.close();
          metrics.close();
        },
      });
    });
  });
}

/**
 * The route template of a request the pipeline refused (a token, a limit, a busy server), or
 * `unmatched`: computed only for refusals, so admitted requests never match twice.
 */
function refusedRoute(request: http.IncomingMessage): string {
  return matchRoute(request.method ?? 'GET', canonicalPathOf(request.url)).route?.path ?? 'unmatched';
}

/** A header's value as one string (Node joins repeated custom headers with ", "). */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Probes, ours and the Open Inference Protocol's: exempt from the in-flight bound. */
const HEALTH_PATHS = new Set(['/health', '/v2/health/live', '/v2/health/ready']);

function isHealth(url: string | undefined): boolean {
  // Most requests are not probes: only a path that could spell one is made canonical.
  if (url === undefined || (!/health/i.test(url) && !/%/.test(url))) return false;
  return HEALTH_PATHS.has(canonicalPathOf(url));
}

/** The canonical path, or the raw one for a target the pipeline refuses (so the refusal still has its route's format). */
function canonicalPathOf(url: string | undefined): string {
  try {
    return canonicalTarget(url ?? '/').path;
  } catch {
    return (url ?? '').split('?')[0] ?? '';
  }
}

function serverBusy(limit: number): AquiferError {
  return new AquiferError('HTTP_SERVER_BUSY', `More than ${limit} requests are in flight`, {
    value: 'concurrentRequests',
    hint: 'Retry after the Retry-After seconds, or raise server.limits.concurrentRequests in aquifer.json.',
  });
}
