import { performance } from 'node:perf_hooks';
import type { Consumer } from 'kafkajs';
import type { Engine } from '../../src/engine/index.js';
import { IngestTarget, KafkaIngestJob } from '../../src/ingest/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { kafkaClient } from './kafka-records.js';
import { profileWrites, type WriteProfile } from './kafka-profile.js';

/** The consumer settings KafkaIngestJob uses, so the raw consumer fetches the same way. */
export const CONSUMER_SETTINGS = { sessionTimeout: 30_000, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 200 } as const;

export interface ConsumeResult {
  /** From connect() until the last record was counted (or committed to the table). */
  ms: number;
  /** From connect() until the consumer joined its group (included in ms). */
  joinMs: number;
}

export interface IngestResult extends ConsumeResult {
  batches: number;
  profile: WriteProfile;
}

function joined(consumer: Consumer, start: number): { ms: () => number } {
  let at = NaN;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (Number.isNaN(at)) at = performance.now() - start;
  });
  return { ms: () => at };
}

function until(check: () => unknown, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      let done: unknown;
      try {
        done = check();
      } catch (error) {
        clearInterval(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (done) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    }, 5);
  });
}

/**
 * The reference: kafkajs itself, a consumer group reading the whole topic from the beginning
 * with the job's fetch settings, its eachBatch only counting the messages.
 */
export async function rawConsume(bootstrap: string, topic: string, groupId: string, expected: number): Promise<ConsumeResult> {
  const consumer = kafkaClient(bootstrap, 'bench-raw').consumer({ groupId, ...CONSUMER_SETTINGS });
  let count = 0;
  let finished = NaN;
  const start = performance.now();
  const join = joined(consumer, start);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        count += batch.messages.length;
        if (count >= expected && Number.isNaN(finished)) finished = performance.now();
      },
    });
    await until(() => !Number.isNaN(finished), 600_000, `the raw consumer to count ${expected} records`);
  } finally {
    await consumer.disconnect();
  }
  if (count !== expected) throw new Error(`the raw consumer counted ${count} records, the topic holds ${expected}`);
  return { ms: finished - start, joinMs: join.ms() };
}

export interface JobSettings {
  maxBatchRecords: number;
  maxBatchMs: number;
}

/**
 * KafkaIngestJob from start() until the table holds `expected` rows (the batch that
 * reaches it is committed: onBatch runs after the Delta commit). The table must be new.
 * `rewriteChecks` swaps the checks SQL for a prototype (see kafka-profile.ts).
 */
export async function aquiferIngest(
  engine: Engine,
  bootstrap: string,
  topic: string,
  groupId: string,
  table: string,
  expected: number,
  settings: JobSettings,
  rewriteChecks?: (sql: string) => string,
): Promise<IngestResult> {
  const target = await IngestTarget.open(table, { engine, createIfMissing: {} });
  const profile = profileWrites(engine, target, rewriteChecks);
  let accepted = 0;
  let finished = NaN;
  const job = new KafkaIngestJob(target, {
    brokers: [bootstrap],
    topic,
    groupId,
    clientId: 'bench-aquifer',
    ...settings,
    onBatch: (batch) => {
      accepted += batch.accepted;
      if (accepted >= expected && Number.isNaN(finished)) finished = performance.now();
    },
  });
  const start = performance.now();
  // The consumer is the job's own (private) one; listening to its join event changes nothing.
  const join = joined((job as unknown as { consumer: Consumer }).consumer, start);
  try {
    await job.start();
    await until(
      () => {
        if (job.error !== undefined) throw job.error;
        return !Number.isNaN(finished);
      },
      1_200_000,
      `the table to hold ${expected} rows`,
    );
  } finally {
    await job.stop();
  }
  if (job.metrics.quarantined !== 0) throw new Error(`${job.metrics.quarantined} records were quarantined`);
  await verifyTable(engine, table, expected);
  return { ms: finished - start, joinMs: join.ms(), batches: job.metrics.batches, profile };
}

/** The table holds exactly `expected` rows, one per seq 0..expected-1. */
export async function verifyTable(engine: Engine, table: string, expected: number): Promise<void> {
  const scan = await (await DeltaTable.open(table, { engine })).scan();
  const [row] = await engine.query(`SELECT count(*) AS n, count(DISTINCT seq) AS d, min(seq) AS lo, max(seq) AS hi FROM (${await scan.sql()})`);
  const [n, d, lo, hi] = ['n', 'd', 'lo', 'hi'].map((k) => Number(row?.[k]));
  if (n !== expected || d !== expected || lo !== 0 || hi !== expected - 1) {
    throw new Error(`${table} holds ${n} rows (${d} distinct seq, ${lo}..${hi}); expected exactly ${expected}, seq 0..${expected - 1}`);
  }
}
