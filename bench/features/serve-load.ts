/**
 * The online-serving load generator, run as its own process
 * (`node --import tsx serve-load.ts CONFIG`) so it never shares an event loop with the
 * server it measures. `concurrency` clients each keep one HTTP/1.1 keep-alive connection
 * and send one request at a time on it (a closed loop): warm-up first, then the measured
 * phase. The client speaks HTTP over node:net with prebuilt request bytes and reads only
 * the status line, Content-Length (or chunked framing) and the body, so that it costs
 * little CPU next to the servers it drives. Prints one JSON object (ServeLoadResult).
 *
 * With `ratePerSecond` the load is an open loop instead (as wrk2 drives it): requests are due
 * at a fixed rate whatever the server does, each goes out on the first idle connection, and
 * its latency runs from when it was due, so a request queued behind a stalled one counts the
 * stall (closed-loop clients would wait politely and hide it: coordinated omission).
 */
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile } from '../table/measure.js';

export interface ServeLoadConfig {
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Entity ids per request, drawn uniformly from 1..entityCount. */
  entitiesPerRequest: number;
  entityCount: number;
  features: string[];
  /** Distinct request bodies to cycle through. */
  bodies: number;
  /** The request shape: Feast's lookup (the default), or a prediction's entity keys (`{"entities": {"user_id": ["u1", …]}}`). */
  shape?: 'feast' | 'predict';
  /** Sent with every request (an Authorization header). */
  headers?: Record<string, string>;
  /** An open loop at this many requests per second (`concurrency` is then the connection pool), instead of a closed loop. */
  ratePerSecond?: number;
}

export interface ServeLoadResult {
  requests: number;
  elapsedMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses other than 200 in the measured phase. */
  errors: number;
  /** 200 responses in both phases, warm-up included (what a server that logs answers should have logged). */
  answered: number;
  requestBytes: number;
  responseBytes: number;
}

/** The request JSON shared by every contender: Feast's `/get-online-features` shape. */
export function requestBody(features: readonly string[], ids: readonly number[]): string {
  return JSON.stringify({ features, entities: { driver_id: ids } });
}

/** Deterministic ids (a 32-bit LCG), so every contender gets the same request sequence. */
export function entityIds(count: number, perRequest: number, entityCount: number, seed = 12345): number[][] {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  return Array.from({ length: count }, () => Array.from({ length: perRequest }, () => 1 + (next() % entityCount)));
}

/** The prediction request of the models benchmark: entity keys `u<id>` for the model's features. */
export function predictBody(ids: readonly number[]): string {
  return JSON.stringify({ entities: { user_id: ids.map((id) => `u${id}`) } });
}

function requestBytes(url: URL, body: string, headers: Record<string, string> = {}): Buffer {
  const payload = Buffer.from(body);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n${extra}Connection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), payload]);
}

/** One keep-alive connection: send a request, resolve with the status once its whole response is read. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: { status: number; bytes: number }) => void; reject: (e: Error) => void } | undefined;
  private readonly socket: net.Socket;

  constructor(url: URL) {
    this.socket = net.connect({ host: url.hostname, port: Number(url.port) });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    this.socket.on('error', (error) => this.waiting?.reject(error));
    this.socket.on('close', () => this.waiting?.reject(new Error('the server closed the connection')));
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  send(request: Buffer): Promise<{ status: number; bytes: number }> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }

  private parse(): void {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || this.waiting === undefined) return;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let total: number;
    if (length !== null) {
      total = end + 4 + Number(length[1]);
      if (this.buffer.length < total) return;
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      // Walk the chunks; the response is complete at the zero-length chunk.
      let at = end + 4;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(this.buffer.toString('latin1', at, lineEnd), 16);
        at = lineEnd + 2 + size + 2;
        if (this.buffer.length < at) return;
        if (size === 0) break;
      }
      total = at;
    } else {
      throw new Error(`a response without Content-Length or chunked framing: ${head}`);
    }
    this.buffer = this.buffer.subarray(total);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting.resolve({ status, bytes: total });
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as ServeLoadConfig;
  const url = new URL(config.url);
  const payloads = entityIds(config.bodies, config.entitiesPerRequest, config.entityCount).map((ids) =>
    requestBytes(url, config.shape === 'predict' ? predictBody(ids) : requestBody(config.features, ids), config.headers),
  );
  const connections = Array.from({ length: config.concurrency }, () => new Connection(url));
  await Promise.all(connections.map((c) => c.ready()));
  const latencies: number[] = [];
  // BENCH_LATENCY_DUMP=FILE: each measured request's due time (epoch ms) and latency, to see whether slow ones cluster.
  const dump: string[] | undefined = process.env['BENCH_LATENCY_DUMP'] === undefined ? undefined : [];
  let errors = 0;
  let answered = 0;
  let responseBytes = 0;
  let next = 0;
  const warmEnd = performance.now() + config.warmupMs;
  const end = warmEnd + config.durationMs;
  let measuredEnd = warmEnd;
  const record = (due: number, status: number, bytes: number) => {
    const done = performance.now();
    if (status === 200) answered++;
    // A request counts in the measured phase when it was due there.
    if (due >= warmEnd) {
      measuredEnd = Math.max(measuredEnd, done);
      latencies.push(done - due);
      dump?.push(`${(performance.timeOrigin + due).toFixed(3)} ${(done - due).toFixed(3)}`);
      responseBytes += bytes;
      if (status !== 200) errors++;
    }
  };
  const payload = () => payloads[next++ % payloads.length] as Buffer;
  if (config.ratePerSecond === undefined) {
    const client = async (connection: Connection) => {
      for (;;) {
        const start = performance.now();
        if (start >= end) return;
        const { status, bytes } = await connection.send(payload());
        record(start, status, bytes);
      }
    };
    await Promise.all(connections.map(client));
  } else {
    await openLoop(connections, config.ratePerSecond, end, payload, record);
  }
  for (const connection of connections) connection.close();
  if (dump !== undefined) await writeFile(process.env['BENCH_LATENCY_DUMP'] as string, `${dump.join('\n')}\n`);
  latencies.sort((a, b) => a - b);
  const result: ServeLoadResult = {
    requests: latencies.length,
    elapsedMs: measuredEnd - warmEnd,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    answered,
    requestBytes: payloads.reduce((sum, p) => sum + p.length, 0) / payloads.length,
    responseBytes: latencies.length === 0 ? 0 : responseBytes / latencies.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Sends a request every 1/rate seconds from the start until `end`, each on an idle connection
 * (queued, in order, while all are busy), and reports each with the time it was due.
 */
async function openLoop(
  connections: Connection[],
  rate: number,
  end: number,
  payload: () => Buffer,
  record: (due: number, status: number, bytes: number) => void,
): Promise<void> {
  const interval = 1000 / rate;
  const start = performance.now();
  const idle = [...connections];
  const queue: number[] = [];
  let sent = 0;
  let pending = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const connection = idle.pop() as Connection;
      const due = queue.shift() as number;
      pending++;
      void connection.send(payload()).then(({ status, bytes }) => {
        record(due, status, bytes);
        pending--;
        idle.push(connection);
        dispatch();
        if (pending === 0 && queue.length === 0 && performance.now() >= end) finished();
      });
    }
  };
  // A timer cannot fire every 0.1 ms: each tick releases every request that has come due since.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (start + sent * interval <= Math.min(now, end)) queue.push(start + sent++ * interval);
      dispatch();
      if (now >= end) resolve();
      else setTimeout(tick, Math.min(1, interval));
    };
    tick();
  });
  if (pending > 0 || queue.length > 0) await allDone;
}

// Only when run as the load process (the helpers above are imported by the benchmark too).
if (process.argv[1]?.endsWith('serve-load.ts') === true) await main();
