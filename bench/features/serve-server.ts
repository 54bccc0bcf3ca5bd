/**
 * One online-serving contender in its own process (`node --import tsx serve-server.ts
 * CONFIG`), so that each server has its event loop to itself while the load generator,
 * another process, drives it. Prints the server's URL on stdout once it listens, and
 * stops when its standard input closes (the benchmark ends it that way, or dies).
 *
 * - `aquifer`: `startServer` from src/server on the project (what `aquifer serve` runs),
 *   its online store as the project's aquifer.json says (LMDB or Redis);
 * - `raw-lmdb`: node:http, JSON.parse of the request, one LMDB `getMany` of the same keys
 *   Aquifer reads, JSON.stringify of the stored rows;
 * - `raw-redis`: node:http, JSON.parse of the request, one Redis MGET of the same keys,
 *   the stored JSON strings joined into a JSON array.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { open } from 'lmdb';
import { Engine } from '../../src/engine/index.js';
import { entityKey } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { startServer } from '../../src/server/index.js';

export type ServeServerConfig =
  { kind: 'aquifer'; project: string } | { kind: 'raw-lmdb'; path: string; view: string } | { kind: 'raw-redis'; url: string; prefix: string; view: string };

interface Request {
  entities: Record<string, unknown[]>;
}

function rawServer(lookup: (keys: string[]) => Promise<string>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Request;
      const ids = body.entities['driver_id'] ?? [];
      lookup(ids.map((id) => entityKey([id]))).then(
        (json) => {
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
          response.end(json);
        },
        (error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ServeServerConfig;
  let close: () => Promise<void>;
  let url: string;
  switch (config.kind) {
    case 'aquifer': {
      const engine = await Engine.create();
      // Anonymous loopback: the figures compare serving paths; a token check adds one SHA-256 and a stat per request.
      const server = await startServer({ engine, project: await Project.open(config.project), port: 0, anonymous: 'loopback' });
      url = server.url;
      close = async () => {
        await server.close();
        engine.close();
      };
      break;
    }
    case 'raw-lmdb': {
      // The same environment and options as LmdbOnlineStore (keys `<view>\u0000<entity key>`).
      const db = open<unknown, string>({ path: config.path, compression: false });
      const server = await rawServer(async (keys) => JSON.stringify(await db.getMany(keys.map((k) => `${config.view}\u0000${k}`))));
      url = server.url;
      close = async () => {
        await server.close();
        await db.close();
      };
      break;
    }
    case 'raw-redis': {
      // The same keys as RedisOnlineStore (`<prefix>:<view>:<entity key>`).
      const redis = new Redis(config.url, { lazyConnect: false, maxRetriesPerRequest: 3 });
      const server = await rawServer(async (keys) => {
        const values = await redis.mget(...keys.map((k) => `${config.prefix}:${config.view}:${k}`));
        return `[${values.map((v) => v ?? 'null').join(',')}]`;
      });
      url = server.url;
      close = async () => {
        await server.close();
        await redis.quit();
      };
      break;
    }
  }
  process.stdout.write(`${url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    // Connections the load generator left open must not hold the exit up.
    setTimeout(() => process.exit(0), 2000).unref();
    void close().finally(() => process.exit(0));
  });
}

await main();
