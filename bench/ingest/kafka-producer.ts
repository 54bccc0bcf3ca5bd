/**
 * The paced producer of the latency benchmark, run as its own process
 * (`node --import tsx kafka-producer.ts CONFIG`) so the job's event loop never delays it.
 * Every 5 ms it sends (acks=all; at most 500 a request) the records due by then at `rate` records/s, each stamped
 * with `produced_ms` = Date.now() just before its send; a late tick catches up. Prints one
 * JSON object (PacedResult) on stdout when done.
 */
import type { Message } from 'kafkajs';
import { eventRecord, kafkaClient } from './kafka-records.js';

export interface PacedConfig {
  bootstrap: string;
  topic: string;
  run: string;
  rate: number;
  seconds: number;
}

export interface PacedResult {
  sent: number;
  elapsedMs: number;
  /** Largest gap between due time and send, a check that pacing held. */
  maxLagMs: number;
}

const TICK_MS = 5;
const MAX_SEND = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(config: PacedConfig): Promise<PacedResult> {
  const producer = kafkaClient(config.bootstrap, 'bench-paced').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const total = Math.round(config.rate * config.seconds);
  let sent = 0;
  let maxLagMs = 0;
  const start = Date.now();
  try {
    while (sent < total) {
      const now = Date.now();
      // At most MAX_SEND records a request, so a catch-up stays under the broker's message.max.bytes.
      const due = Math.min(total, sent + MAX_SEND, Math.floor(((now - start) / 1000) * config.rate));
      if (due > sent) {
        // The oldest record of this send was due at this time.
        maxLagMs = Math.max(maxLagMs, now - (start + ((sent + 1) / config.rate) * 1000));
        const messages: Message[] = [];
        for (let seq = sent; seq < due; seq++) messages.push(eventRecord(config.run, seq, Date.now()));
        await producer.send({ topic: config.topic, messages, acks: -1 });
        sent = due;
      }
      // Behind schedule: send the next records at once.
      if (Math.floor(((Date.now() - start) / 1000) * config.rate) <= sent) await sleep(TICK_MS);
    }
  } finally {
    await producer.disconnect();
  }
  return { sent, elapsedMs: Date.now() - start, maxLagMs };
}

const config = JSON.parse(process.argv[2] ?? '{}') as PacedConfig;
main(config).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
