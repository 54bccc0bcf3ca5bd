import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AquiferError } from '../errors.js';
import type { Project } from '../project/index.js';
import { Authenticator } from './auth/authenticator.js';
import { TokenStore } from './auth/token-store.js';
import { errorBody } from './error-body.js';
import { checkPort, listenError } from './listen.js';
import { isLoopback } from './loopback.js';
import { serverSettings } from './pipeline/limits.js';
import { RequestPipeline } from './pipeline/pipeline.js';

/** What the endpoint answers `GET /metrics` with: a registry's text and media type. */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

export interface MetricsEndpointOptions {
  project: Project;
  metrics: MetricsSource;
  host?: string;
  /** 0 picks a free port. */
  port?: number | string;
}

export interface RunningEndpoint {
  url: string;
  close(): Promise<void>;
}

/** The only routes a metrics endpoint answers. */
const ANSWERED = new Set(['/health', '/metrics']);

/**
 * `GET /metrics` (and `/health`) for a process that is not `aquifer serve`, such as a streaming
 * ingest job, so Prometheus can scrape it. Requests go through the server's request pipeline,
 * so the project's tokens and anonymous setting, and every limit, apply as on `aquifer serve`.
 */
export function startMetricsEndpoint(options: MetricsEndpointOptions): Promise<RunningEndpoint> {
  const settings = serverSettings(options.project.config.server);
  const host = options.host ?? '127.0.0.1';
  const port = checkPort(options.port ?? 0);
  const pipeline = new RequestPipeline({
    authenticator: new Authenticator(TokenStore.forProject(options.project), settings.anonymous),
    limits: settings.limits,
    listensOnLoopback: isLoopback(host),
  });
  const roots = [options.project.root];
  const answer = (response: http.ServerResponse, status: number, type: string, body: string) => {
    response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
  const server = http.createServer((request, response) => {
    pipeline
      .admit(request)
      .then(async (admitted) => {
        if (!ANSWERED.has(admitted.route.path))
          throw new AquiferError('HTTP_NOT_FOUND', `This process answers only ${[...ANSWERED].join(' and ')}`, {
            hint: 'Send the other requests to `aquifer serve`.',
          });
        if (admitted.route.path === '/health') answer(response, 200, 'application/json', '{"status":"ok"}');
        else answer(response, 200, options.metrics.contentType, await options.metrics.text());
      })
      .catch((error: unknown) => {
        if (response.headersSent) return;
        const { status, body } = errorBody(error, roots);
        answer(response, status, 'application/json', JSON.stringify(body));
        if (!request.complete) request.resume();
      });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = Math.min(settings.limits.bodyTimeoutMs, 60_000);
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, host, port)));
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
