import path from 'node:path';
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { IngestTarget, KinesisIngestJob } from '../../../src/ingest/index.js';
import type { ExpectationSuite } from '../../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../../src/table/index.js';
import { quarantineRows } from '../../support/ingest.js';
import { sleep } from '../../support/processes.js';
import { kinesaliteAvailable, startKinesalite, type KinesaliteService } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

const RECORDS = 600;
const isBad = (seq: number) => seq % 13 === 4;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const SUITE: ExpectationSuite = {
  name: 'orders_gate',
  expectations: [
    { type: 'expect_column_values_to_be_between', kwargs: { column: 'total', min_value: 0 } },
    { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1 } },
  ],
};

describe.skipIf(!kinesaliteAvailable())('Kinesis ingest into a gated table (kinesalite)', () => {
  let service: KinesaliteService | undefined;
  let client: KinesisClient;
  let engine: Engine;

  beforeAll(async () => {
    service = await startKinesalite();
    client = new KinesisClient({ endpoint: service.endpoint, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler() });
    engine = await Engine.create({ threads: 2 });
  });

  afterAll(async () => {
    client?.destroy();
    engine?.close();
    await service?.stop();
  });

  it('commits exactly the good records and quarantines exactly the bad ones, with their expectation, across a restart', async () => {
    const stream = 'gated';
    await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    for (let i = 0; i < 600; i++) {
      const description = await client.send(new DescribeStreamCommand({ StreamName: stream }));
      if (description.StreamDescription?.StreamStatus === 'ACTIVE') break;
      await sleep(100);
    }
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
      const job = new KinesisIngestJob(target, { stream, endpoint: service!.endpoint, credentials, maxBatchRecords: 100, maxBatchMs: 100, idleMs: 50 });
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

    const rows = await engine.query(`SELECT seq, count(*) AS n FROM (${await (await (await DeltaTable.open(table, { engine })).scan()).sql()}) GROUP BY seq`);
    expect(rows.filter((r) => Number(r['n']) !== 1)).toEqual([]);
    const all = Array.from({ length: RECORDS }, (_, seq) => seq);
    expect(rows.map((r) => Number(r['seq'])).sort((a, b) => a - b)).toEqual(all.filter((seq) => !isBad(seq)));
    const bad = await quarantineRows(engine, table);
    expect(bad.map((q) => (JSON.parse(q.payload ?? '{}') as { seq: number }).seq).sort((a, b) => a - b)).toEqual(all.filter(isBad));
    expect(new Set(bad.map((q) => `${q.reason} ${q.message ?? ''}`))).toEqual(
      new Set([`EXPECTATION_FAILED expect_column_values_to_be_between ${JSON.stringify({ column: 'total', min_value: 0 })}`]),
    );
  }, 300_000);
});
