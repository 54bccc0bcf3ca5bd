import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestTarget, KafkaIngestJob } from '../../../src/ingest/index.js';
import { IngestJobMetrics } from '../../../src/monitor/index.js';
import { useKafkaTopic } from '../../support/kafka-topic.js';
import { sleep } from '../../support/processes.js';
import { kafkaAvailable } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

const ready = await kafkaAvailable();
const TOPIC = 'lagged';

/** The partitions with an `aquifer_kafka_consumer_lag` series in a job's metrics. */
async function lagPartitions(metrics: IngestJobMetrics): Promise<string[]> {
  const text = await metrics.text();
  return [...text.matchAll(new RegExp(`^aquifer_kafka_consumer_lag\\{table="events",topic="${TOPIC}",partition="(\\d+)"\\} `, 'gm'))]
    .map((m) => m[1] as string)
    .sort();
}

/** Polls every 100 ms until `done`, for up to 90 s (a generous wait, not a timing assertion). */
async function until(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 900 && !(await done()); i++) await sleep(100);
}

describe.skipIf(!ready)('Kafka lag gauges across a rebalance', () => {
  const fixture = useKafkaTopic(TOPIC, 2);

  it('drops the lag series of a partition a rebalance took away, and keeps the one still assigned', async () => {
    const { kafka, producer, engine } = fixture();
    const dir = await tempDir('aquifer-kafka-lag-');
    const table = path.join(dir, 'events');
    await producer.send({ topic: TOPIC, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: JSON.stringify({ id: i }) })) });
    const job = async (metrics: IngestJobMetrics) =>
      new KafkaIngestJob(await IngestTarget.open(table, { engine, createIfMissing: {}, project: dir }), {
        brokers: [kafka.bootstrap],
        topic: TOPIC,
        groupId: 'lag-group',
        maxBatchMs: 100,
        sessionTimeoutMs: 6000,
        onLag: (lag) => metrics.lag(lag),
        onLagRemoved: (key) => metrics.lagRemoved(key),
      });
    const firstMetrics = new IngestJobMetrics('events');
    const secondMetrics = new IngestJobMetrics('events');
    const first = await job(firstMetrics);
    const second = await job(secondMetrics);
    try {
      await first.start();
      await until(async () => (await lagPartitions(firstMetrics)).length === 2);
      expect(await lagPartitions(firstMetrics)).toEqual(['0', '1']);
      // A second member joins: the group rebalances and the first keeps one partition.
      await second.start();
      await producer.send({ topic: TOPIC, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: JSON.stringify({ id: 20 + i }) })) });
      await until(async () => (await lagPartitions(firstMetrics)).length === 1 && (await lagPartitions(secondMetrics)).length === 1);
      const kept = await lagPartitions(firstMetrics);
      expect(kept).toHaveLength(1);
      expect([...kept, ...(await lagPartitions(secondMetrics))].sort()).toEqual(['0', '1']);
    } finally {
      await second.stop();
      await first.stop();
    }
    expect(first.error).toBeUndefined();
    expect(second.error).toBeUndefined();
  }, 240_000);
});
