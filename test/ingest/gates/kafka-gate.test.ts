import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestTarget, KafkaIngestJob } from '../../../src/ingest/index.js';
import type { ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../../src/table/index.js';
import { expectGatedOutcome } from '../../support/gate-outcome.js';
import { useKafkaTopic } from '../../support/kafka-topic.js';
import { sleep } from '../../support/processes.js';
import { kafkaAvailable } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

const RECORDS = 600;
const isBad = (seq: number) => seq % 13 === 4;
const ready = await kafkaAvailable();

const NON_NEGATIVE = { type: 'expect_column_values_to_be_between', kwargs: { column: 'total', min_value: 0 } };
const SUITE: ExpectationSuite = {
  name: 'orders_gate',
  expectations: [NON_NEGATIVE, { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } }],
};

describe.skipIf(!ready)('Kafka ingest into a gated table', () => {
  const fixture = useKafkaTopic('gated', 3);

  it('commits exactly the good records and quarantines exactly the bad ones, with their expectation', async () => {
    const { engine, producer, kafka } = fixture();
    const table = path.join(await tempDir('aquifer-kafka-gate-'), 'orders');
    await DeltaTable.create(table, { engine, schema: struct([field('seq', primitive('long'), false), field('total', primitive('long'))]) });
    const target = await IngestTarget.open(table, { engine, gate: { suite: SUITE } });
    const job = new KafkaIngestJob(target, { brokers: [kafka.bootstrap], topic: 'gated', groupId: 'gate', maxBatchRecords: 100, maxBatchMs: 100 });
    await job.start();
    try {
      for (let start = 0; start < RECORDS; start += 100) {
        const messages = [];
        for (let seq = start; seq < start + 100; seq++) messages.push({ value: JSON.stringify({ seq, total: isBad(seq) ? -seq : seq }) });
        await producer.send({ topic: 'gated', messages });
      }
      for (let i = 0; i < 480 && job.metrics.accepted + job.metrics.quarantined < RECORDS && job.error === undefined; i++) await sleep(250);
    } finally {
      await job.stop();
    }
    expect(job.error).toBeUndefined();
    await expectGatedOutcome(engine, table, RECORDS, isBad, NON_NEGATIVE);
  }, 300_000);
});
