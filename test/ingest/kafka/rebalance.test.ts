import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { kafkaAvailable, startKafka, type KafkaService } from '../../support/services.js';
import { exited, sleep, startCli } from '../../support/processes.js';
import { tempDir } from '../../support/temp.js';

const ready = await kafkaAvailable();

describe.skipIf(!ready)('Kafka ingestion across consumer-group rebalances', () => {
  let kafka: KafkaService | undefined;
  let engine: Engine;
  let producer: Producer;

  beforeAll(async () => {
    kafka = await startKafka();
    engine = await Engine.create({ threads: 2 });
    const client = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 4 }], waitForLeaders: true });
    await admin.disconnect();
    producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    engine?.close();
    await kafka?.stop();
  });

  const job = (table: string): ChildProcess =>
    startCli(['ingest', 'kafka', table, '--brokers', kafka!.bootstrap, '--topic', 'orders', '--group', 'shared-group', '--max-batch-records', '200', '--max-batch-ms', '100', '--session-timeout-ms', '6000', '--key-column', 'order_key']);

  const produce = async (from: number, to: number) => {
    for (let start = from; start < to; start += 100) {
      const messages = [];
      for (let seq = start; seq < Math.min(to, start + 100); seq++) messages.push({ key: `o${seq}`, value: JSON.stringify({ seq, total: seq * 2 }) });
      await producer.send({ topic: 'orders', messages });
      await sleep(50);
    }
  };

  const rows = async (table: string) => {
    try {
      return await engine.query(`SELECT seq, order_key FROM (${await (await (await DeltaTable.open(table, { engine })).scan()).sql()})`);
    } catch {
      return [];
    }
  };

  it('shares partitions between two members, survives one being killed, and writes each record once', async () => {
    const table = path.join(await tempDir('aquifer-kafka-rebalance-'), 'orders');
    const first = job(table);
    await produce(0, 1500);
    const second = job(table);
    await produce(1500, 3000);
    // One member dies without leaving the group: its partitions move after the session times out.
    first.kill('SIGKILL');
    await produce(3000, 4000);
    let seen: Record<string, unknown>[] = [];
    for (let i = 0; i < 600; i++) {
      seen = await rows(table);
      if (seen.length >= 4000) break;
      await sleep(250);
    }
    await sleep(1000);
    second.kill('SIGTERM');
    await exited(second);
    seen = await rows(table);
    const counts = new Map<number, number>();
    for (const row of seen) counts.set(Number(row['seq']), (counts.get(Number(row['seq'])) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(counts.size).toBe(4000);
    expect(seen.every((row) => row['order_key'] === `o${String(row['seq'])}`)).toBe(true);
  });
});
