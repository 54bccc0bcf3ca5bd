import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { buildApp } from './app.js';

export interface ServeOptions {
  engine: Engine;
  project: Project;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const app = buildApp({ engine: options.engine, project: options.project, ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }) });
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serveNode({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://${host}:${info.port}`,
        close: () => new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done()))),
      });
    });
    server.once('error', reject);
  });
}
