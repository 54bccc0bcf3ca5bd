import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestTarget, KafkaIngestJob, quarantineLocation } from '../../../src/ingest/index.js';
import { onJobRun, type JobRunEvent } from '../../../src/observe/index.js';
import { useKafkaTopic } from '../../support/kafka-topic.js';
import { kafkaAvailable } from '../../support/services.js';
import { sleep } from '../../support/processes.js';
import { tempDir } from '../../support/temp.js';

const ready = await kafkaAvailable();

describe.skipIf(!ready)('Kafka ingestion as job runs', () => {
  const fixture = useKafkaTopic('clicks', 2);

  it('makes each committed micro-batch one run ingest.kafka.<topic>.<table> whose input is the topic with each partition’s first and last offset', async () => {
    const { kafka, producer, engine } = fixture();
    const dir = await tempDir('aquifer-kafka-runs-');
    const table = path.join(dir, 'events');
    // Five records on partition 0 (offsets 0-4, one not JSON), three on partition 1 (0-2): one batch of eight.
    await producer.send({
      topic: 'clicks',
      messages: [
        ...[0, 1, 2, 3].map((i) => ({ partition: 0, value: JSON.stringify({ id: i }) })),
        { partition: 0, value: 'not json' },
        ...[10, 11, 12].map((i) => ({ partition: 1, value: JSON.stringify({ id: i }) })),
      ],
    });
    const events: JobRunEvent[] = [];
    const stop = onJobRun((event) => events.push(event));
    const target = await IngestTarget.open(table, { engine, createIfMissing: {}, project: dir });
    let committed = 0;
    const job = new KafkaIngestJob(target, {
      brokers: [kafka.bootstrap],
      topic: 'clicks',
      groupId: 'runs',
      maxBatchRecords: 8,
      maxBatchMs: 600_000,
      onBatch: (batch) => {
        committed += batch.records;
      },
    });
    try {
      await job.start();
      for (let i = 0; i < 600 && committed < 8; i++) await sleep(100);
    } finally {
      await job.stop();
      stop();
    }
    expect(job.error).toBeUndefined();
    const runs = events.filter((e) => e.job.name === 'ingest.kafka.clicks.events');
    expect(runs.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
    const complete = runs[1]!;
    expect(complete.job).toEqual({ name: 'ingest.kafka.clicks.events', type: 'INGEST', processing: 'STREAMING', project: dir });
    expect(complete.inputs).toEqual([
      {
        namespace: `kafka://${kafka.bootstrap}`,
        name: 'clicks',
        kind: 'kafka',
        ranges: [
          { partition: '0', from: '0', to: '4' },
          { partition: '1', from: '0', to: '2' },
        ],
        statistics: { rowCount: 8 },
      },
    ]);
    expect(complete.outputs.map((o) => [o.name, o.versions, o.statistics?.rowCount])).toEqual([
      [table, [0, 1], 7],
      [quarantineLocation(table), [0, 1], 1],
    ]);
  });
});
