import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { IngestTarget, KinesisIngestJob } from '../../../src/ingest/index.js';
import type { ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../../src/table/index.js';
import { expectGatedOutcome } from '../../support/gate-outcome.js';
import { KINESIS_CREDENTIALS, useKinesalite } from '../../support/kinesis-stream.js';
import { sleep } from '../../support/processes.js';
import { kinesaliteAvailable } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

const RECORDS = 600;
const isBad = (seq: number) => seq % 13 === 4;

const NON_NEGATIVE = { type: 'expect_column_values_to_be_between', kwargs: { column: 'total', min_value: 0 } };
const SUITE: ExpectationSuite = {
  name: 'orders_gate',
  expectations: [NON_NEGATIVE, { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } }],
};

describe.skipIf(!kinesaliteAvailable())('Kinesis ingest into a gated table (kinesalite)', () => {
  const kinesis = useKinesalite();

  it('commits exactly the good records and quarantines exactly the bad ones, with their expectation, across a restart', async () => {
    const { service, client, engine, createStream } = kinesis();
    const stream = 'gated';
    await createStream(stream, 2);
    const put = async (from: number, to: number) => {
      for (let start = from; start < to; start += 100) {
        const entries = [];
        for (let seq = start; seq < Math.min(to, start + 100); seq++)
          entries.push({ PartitionKey: `key-${seq % 7}`, Data: Buffer.from(JSON.stringify({ seq, total: isBad(seq) ? -seq : seq })) });
        const result = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
        expect(result.FailedRecordCount ?? 0).toBe(0);
      }
    };
    const table = path.join(await tempDir('aquifer-kinesis-gate-'), 'orders');
    await DeltaTable.create(table, { engine, schema: struct([field('seq', primitive('long'), false), field('total', primitive('long'))]) });
    let seen = 0;
    const run = async (until: number) => {
      const target = await IngestTarget.open(table, { engine, gate: { suite: SUITE } });
      const job = new KinesisIngestJob(target, {
        stream,
        endpoint: service.endpoint,
        credentials: KINESIS_CREDENTIALS,
        maxBatchRecords: 100,
        maxBatchMs: 100,
        idleMs: 50,
      });
      await job.start();
      try {
        for (let i = 0; i < 1200 && seen + job.metrics.accepted + job.metrics.quarantined < until && job.error === undefined; i++) await sleep(100);
      } finally {
        await job.stop();
      }
      expect(job.error).toBeUndefined();
      seen += job.metrics.accepted + job.metrics.quarantined;
    };
    await put(0, RECORDS / 2);
    await run(RECORDS / 2);
    await put(RECORDS / 2, RECORDS);
    await run(RECORDS);
    await expectGatedOutcome(engine, table, RECORDS, isBad, NON_NEGATIVE);
  }, 300_000);
});
