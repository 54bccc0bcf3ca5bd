import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Message } from 'kafkajs';

/** Size each record's JSON text is padded to. */
export const RECORD_BYTES = 1024;

const EVENT_TYPES = ['page_view', 'click', 'add_to_cart', 'checkout', 'purchase', 'refund', 'search', 'login'];
const COUNTRIES = ['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL', 'SE', 'BR'];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP', 'EUR', 'EUR', 'PLN', 'SEK', 'BRL'];
const PLATFORMS = ['web', 'ios', 'android'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
];

/** Random base64 text the padding is cut from, so Parquet cannot compress it away. */
const POOL = randomBytes(48 * 1024).toString('base64');

/** A small fast generator, so the same seq always gives the same record (apart from produced_ms). */
function mix(seq: number, salt: number): number {
  let x = (seq ^ (salt * 0x9e3779b9)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);

/**
 * One click-stream event of about RECORD_BYTES bytes of JSON: ids, a timestamp, a few typed
 * fields, and a `padding` string. `run` tells the throughput records from the latency ones;
 * `produced_ms` is the producer's clock (epoch ms) when the record was sent.
 */
export function eventRecord(run: string, seq: number, producedMs: number): { key: string; value: string } {
  const r = mix(seq, 1);
  const type = EVENT_TYPES[r % EVENT_TYPES.length] as string;
  const country = r % COUNTRIES.length;
  const userId = `u${(mix(seq, 2) % 200_000).toString().padStart(6, '0')}`;
  const event = {
    event_id: `${hex(mix(seq, 3), 8)}-${hex(mix(seq, 4), 4)}-4${hex(mix(seq, 5), 3)}-a${hex(mix(seq, 6), 3)}-${hex(mix(seq, 7), 8)}${hex(seq, 4)}`,
    run,
    seq,
    produced_ms: producedMs,
    event_time: new Date(producedMs).toISOString(),
    event_type: type,
    user_id: userId,
    session_id: `s-${hex(mix(seq >>> 4, 8), 8)}`,
    platform: PLATFORMS[r % PLATFORMS.length] as string,
    country: COUNTRIES[country] as string,
    currency: CURRENCIES[country] as string,
    amount: type === 'purchase' || type === 'refund' ? (mix(seq, 9) % 50_000) / 100 : 0,
    quantity: mix(seq, 10) % 5,
    is_logged_in: (r & 1) === 1,
    page_url: `https://shop.example.com/p/${mix(seq, 11) % 100_000}?ref=${type}`,
    user_agent: AGENTS[r % AGENTS.length] as string,
    padding: '',
  };
  const bare = JSON.stringify(event).length;
  const start = mix(seq, 12) % (POOL.length - RECORD_BYTES);
  event.padding = POOL.slice(start, start + Math.max(0, RECORD_BYTES - bare));
  return { key: userId, value: JSON.stringify(event) };
}

export function kafkaClient(bootstrap: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

export async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = kafkaClient(bootstrap, 'bench-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Produce `count` records as fast as the broker takes them: batches of 1,000, four in flight. */
export async function produceAll(
  bootstrap: string,
  topic: string,
  run: string,
  count: number,
  onProgress?: (sent: number) => void,
): Promise<{ bytes: number }> {
  const producer = kafkaClient(bootstrap, 'bench-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let bytes = 0;
  try {
    const BATCH = 1000;
    const inFlight = new Set<Promise<unknown>>();
    for (let from = 0; from < count; from += BATCH) {
      const messages: Message[] = [];
      const now = Date.now();
      for (let seq = from; seq < Math.min(count, from + BATCH); seq++) {
        const record = eventRecord(run, seq, now);
        bytes += Buffer.byteLength(record.value);
        messages.push(record);
      }
      const sent = producer.send({ topic, messages, acks: -1 }).then(() => {
        inFlight.delete(sent);
      });
      inFlight.add(sent);
      if (inFlight.size >= 4) await Promise.race(inFlight);
      onProgress?.(Math.min(count, from + BATCH));
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return { bytes };
}
