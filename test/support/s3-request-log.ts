import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request that passed through the proxy, as the server answered it. */
export interface S3Request {
  method: string;
  /** Path without the query string: `/bucket/key`. */
  path: string;
  query: string;
  /** The Range header, when there was one. */
  range: string | undefined;
  status: number;
  /** Body bytes sent back to the client. */
  bytes: number;
}

export interface S3Counts {
  gets: number;
  getBytes: number;
  heads: number;
  lists: number;
  puts: number;
  other: number;
}

/**
 * A counting reverse proxy in front of an S3-compatible server: every request and the bytes
 * it answered with are logged exactly, which MinIO's own metrics (aggregated, sampled per
 * scrape) cannot give per operation. The Host header is passed through unchanged, so SigV4
 * signatures made for the proxy's address still verify at the server.
 */
export class S3RequestLog {
  private constructor(
    readonly endpoint: string,
    private readonly server: http.Server,
    readonly requests: S3Request[],
  ) {}

  static async start(target: string): Promise<S3RequestLog> {
    const upstream = new URL(target);
    const agent = new http.Agent({ keepAlive: true });
    const requests: S3Request[] = [];
    const server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const entry: S3Request = {
        method: req.method ?? 'GET',
        path: decodeURIComponent(q < 0 ? url : url.slice(0, q)),
        query: q < 0 ? '' : url.slice(q + 1),
        range: typeof req.headers.range === 'string' ? req.headers.range : undefined,
        status: 0,
        bytes: 0,
      };
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: req.headers, agent }, (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(entry.status, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          entry.bytes += chunk.length;
        });
        answer.pipe(res);
        answer.on('end', () => requests.push(entry));
      });
      forward.on('error', () => {
        res.destroy();
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new S3RequestLog(`http://127.0.0.1:${port}`, server, requests);
  }

  /** Forget what was logged so far (start of a measured operation). */
  reset(): void {
    this.requests.length = 0;
  }

  /** Requests logged since the last reset whose key (after `/bucket/`) matches. */
  matching(test: (key: string, request: S3Request) => boolean): S3Request[] {
    return this.requests.filter((r) => test(r.path.replace(/^\/[^/]+\/?/, ''), r));
  }

  counts(requests: readonly S3Request[] = this.requests): S3Counts {
    const counts: S3Counts = { gets: 0, getBytes: 0, heads: 0, lists: 0, puts: 0, other: 0 };
    for (const r of requests) {
      const isList = r.method === 'GET' && /(^|&)(list-type=2|prefix=|delimiter=)/.test(r.query);
      if (isList) counts.lists += 1;
      else if (r.method === 'GET') {
        counts.gets += 1;
        counts.getBytes += r.bytes;
      } else if (r.method === 'HEAD') counts.heads += 1;
      else if (r.method === 'PUT' || r.method === 'POST') counts.puts += 1;
      else counts.other += 1;
    }
    return counts;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
