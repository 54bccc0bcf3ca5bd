import http from 'node:http';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: { error?: { code: string; message: string; hint: string; value?: unknown } } & Record<string, unknown>;
  text: string;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given (no URL normalisation, unlike fetch). */
  path: string;
  headers?: Record<string, string>;
  /** A whole body, or chunks written one after another (chunked transfer encoding). */
  body?: string | Buffer;
  chunks?: AsyncIterable<Buffer>;
  /** Keep sending every chunk after the answer, as a client that ignores it would. */
  ignoreAnswer?: boolean;
}

/**
 * One request on its own connection through node:http, the path on the wire byte for byte.
 * Chunks stop being written once the server has answered (a refused upload is not pushed to
 * the end); a connection the server closes mid-upload is not an error if the answer came.
 */
export function rawRequest(base: string, request: RawRequest): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let answered = false;
    let answer: RawAnswer | undefined;
    let sent = false;
    const settle = () => {
      if (answer !== undefined && (sent || request.chunks === undefined)) resolve(answer);
    };
    const req = http.request(
      { host: url.hostname, port: url.port, method: request.method ?? 'POST', path: request.path, headers: request.headers ?? {}, agent: false },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: RawAnswer['json'] = {};
          try {
            json = JSON.parse(text) as RawAnswer['json'];
          } catch {
            // Not JSON: the test looks at text.
          }
          answer = { status: res.statusCode ?? 0, headers: res.headers, json, text };
          settle();
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (request.chunks !== undefined) {
      const chunks = request.chunks;
      void (async () => {
        try {
          for await (const chunk of chunks) {
            if ((answered && request.ignoreAnswer !== true) || req.destroyed) break;
            if (!req.write(chunk)) {
              await new Promise<void>((done) => {
                const go = () => {
                  req.off('drain', go);
                  req.off('close', go);
                  done();
                };
                req.on('drain', go);
                req.on('close', go);
              });
            }
          }
          if (!req.destroyed) req.end();
        } catch (error) {
          req.destroy(error as Error);
        }
        sent = true;
        settle();
      })();
    } else req.end(request.body);
  });
}

/** `total` bytes in chunks of `size`, made as they are sent (never all in memory at once). */
export async function* lazyChunks(total: number, size: number, fill = 0x20): AsyncIterable<Buffer> {
  const chunk = Buffer.alloc(size, fill);
  for (let sent = 0; sent < total; sent += size) yield chunk;
}

/** A body sent a few bytes at a time with pauses, never finishing on its own before `pauses` run out. */
export async function* slowChunks(pauses: number, pauseMs: number): AsyncIterable<Buffer> {
  yield Buffer.from('[');
  for (let i = 0; i < pauses; i++) {
    await new Promise((done) => setTimeout(done, pauseMs));
    yield Buffer.from(' ');
  }
  yield Buffer.from(']');
}
