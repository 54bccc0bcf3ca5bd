import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertNotification } from '../../../src/monitor/index.js';

/** A real HTTP webhook receiver on a free port: it answers each POST with the next planned status (200 once the plan runs out). */
export interface WebhookReceiver {
  url: string;
  port: number;
  received: { headers: IncomingHttpHeaders; body: AlertNotification; answered: number }[];
  /** Statuses to answer the next requests with, in order. */
  plan: number[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  let server: Server | undefined;
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received: [],
    plan: [],
    async start() {
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const answered = receiver.plan.shift() ?? 200;
          receiver.received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertNotification, answered });
          response.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'no');
        });
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(receiver.port, '127.0.0.1', () => resolve());
      });
      receiver.port = (listening.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/hooks/secret-path`;
    },
    async stop() {
      const closing = server;
      server = undefined;
      if (closing !== undefined) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
  await receiver.start();
  return receiver;
}
