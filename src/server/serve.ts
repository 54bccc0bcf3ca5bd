import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { AquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { buildApp, DEFAULT_MAX_BODY_BYTES } from './app.js';
import { errorBody } from './error-body.js';
import { featureStoreOpener, onlineFeaturesJson, type FeatureStoreOpener } from './feature-routes.js';

export interface ServeOptions {
  engine: Engine;
  project: Project;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  maxBodyBytes?: number;
  /** How long ingestion remembers an Idempotency-Key on the tables it creates ('interval 24 hours' by default). */
  idempotencyWindow?: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const featureStore = featureStoreOpener(options.project, options.engine);
  const app = buildApp({ engine: options.engine, project: options.project, maxBodyBytes, featureStore, ...(options.idempotencyWindow === undefined ? {} : { idempotencyWindow: options.idempotencyWindow }) });
  const viaApp = getRequestListener(app.fetch);
  const onlineFeatures = onlineFeaturesListener(featureStore, maxBodyBytes);
  // Online lookups are the latency-critical route: they skip the Fetch API adapter (a
  // Request and a Response object per call, about half a small lookup's time) and run on
  // node:http directly; everything else goes through the Hono app.
  const server = http.createServer((request, response) => {
    if (request.method === 'POST' && (request.url === '/get-online-features' || request.url?.startsWith('/get-online-features?'))) onlineFeatures(request, response);
    else void viaApp(request, response);
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}

function onlineFeaturesListener(featureStore: FeatureStoreOpener, maxBodyBytes: number): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  const send = (response: http.ServerResponse, status: number, json: string) => {
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    response.end(json);
  };
  const fail = (response: http.ServerResponse, error: unknown) => {
    if (response.headersSent) return;
    const { status, body } = errorBody(error);
    send(response, status, JSON.stringify(body));
  };
  return (request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes && !refused) {
        refused = true;
        fail(response, new AquiferError('HTTP_BODY_TOO_LARGE', `The request body is larger than ${maxBodyBytes} bytes`, { value: maxBodyBytes, hint: 'Ask for fewer entities per request.' }));
      }
      if (!refused) chunks.push(chunk);
    });
    request.on('error', (error) => fail(response, error));
    request.on('end', () => {
      if (refused) return;
      onlineFeaturesJson(featureStore, Buffer.concat(chunks).toString('utf8')).then(
        (json) => send(response, 200, json),
        (error: unknown) => fail(response, error),
      );
    });
  };
}
