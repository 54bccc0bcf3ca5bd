import path from 'node:path';
import { DescribeStreamCommand, PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { beforeAll, describe, expect, it } from 'vitest';
import { IngestTarget, KinesisIngestJob, type BatchReport, type SourceLag, type SourceLagKey } from '../../../src/ingest/index.js';
import { onJobRun, type JobRunEvent, type StreamRange } from '../../../src/observe/index.js';
import { KINESIS_CREDENTIALS, useKinesalite, type KinesisFixture } from '../../support/kinesis-stream.js';
import { kinesaliteAvailable } from '../../support/services.js';
import { sleep } from '../../support/processes.js';
import { tempDir } from '../../support/temp.js';

describe.skipIf(!kinesaliteAvailable())('Kinesis ingestion as job runs', () => {
  const kinesis = useKinesalite();
  let fixture: KinesisFixture;
  beforeAll(() => {
    fixture = kinesis();
  });

  it('makes each committed batch one run ingest.kinesis.<stream>.<table> whose input is the stream with each shard’s first and last sequence number', async () => {
    const { service, client, engine, createStream } = fixture;
    await createStream('orders', 2);
    const dir = await tempDir('aquifer-kinesis-runs-');
    const table = path.join(dir, 'events');
    const put = await client.send(
      new PutRecordsCommand({
        StreamName: 'orders',
        Records: [0, 1, 2, 3, 4, 5].map((i) => ({ PartitionKey: `key-${i}`, Data: Buffer.from(JSON.stringify({ id: i })) })),
      }),
    );
    expect(put.FailedRecordCount ?? 0).toBe(0);
    const sentBytes = [0, 1, 2, 3, 4, 5].reduce((sum, i) => sum + Buffer.byteLength(JSON.stringify({ id: i })), 0);
    // What the batch must name: per shard, the first and last sequence number written to it.
    const byShard = new Map<string, bigint[]>();
    for (const record of put.Records ?? []) byShard.set(record.ShardId!, [...(byShard.get(record.ShardId!) ?? []), BigInt(record.SequenceNumber!)]);
    const ranges: StreamRange[] = [...byShard.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([partition, sequences]) => ({
        partition,
        from: String(sequences.reduce((a, b) => (a < b ? a : b))),
        to: String(sequences.reduce((a, b) => (a > b ? a : b))),
      }));

    const events: JobRunEvent[] = [];
    const stop = onJobRun((event) => events.push(event));
    const target = await IngestTarget.open(table, { engine, createIfMissing: {}, project: dir });
    let committed = 0;
    const batches: BatchReport[] = [];
    const lags: SourceLag[] = [];
    const job = new KinesisIngestJob(target, {
      stream: 'orders',
      endpoint: service.endpoint,
      credentials: KINESIS_CREDENTIALS,
      maxBatchRecords: 6,
      maxBatchMs: 600_000,
      idleMs: 50,
      onBatch: (batch) => {
        committed += batch.records;
        batches.push(batch);
      },
      onLag: (lag) => lags.push(lag),
    });
    try {
      await job.start();
      for (let i = 0; i < 600 && committed < 6; i++) await sleep(100);
    } finally {
      await job.stop();
      stop();
    }
    expect(job.error).toBeUndefined();
    const runs = events.filter((e) => e.job.name === 'ingest.kinesis.orders.events');
    expect(runs.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
    const complete = runs[1]!;
    expect(complete.job).toEqual({ name: 'ingest.kinesis.orders.events', type: 'INGEST', processing: 'STREAMING', project: dir });
    expect(complete.inputs).toEqual([{ namespace: 'kinesis://us-east-1', name: 'orders', kind: 'kinesis', ranges, statistics: { rowCount: 6 } }]);
    expect(complete.outputs.map((o) => [o.name, o.versions, o.statistics?.rowCount])).toEqual([[table, [0, 1], 6]]);
    // The metrics' hooks: the batch's data bytes, and each shard's distance from its tip after a read.
    expect(batches.map((b) => b.bytes)).toEqual([sentBytes]);
    expect(new Set(lags.map((l) => (l.source === 'kinesis' ? l.shard : '')))).toEqual(new Set(byShard.keys()));
    expect(lags.every((l) => l.source === 'kinesis' && l.stream === 'orders' && l.millisBehindLatest >= 0)).toBe(true);
  });

  it('drops the lag of a shard a split closed once it is read to its end', async () => {
    const { service, client, engine, createStream } = fixture;
    await createStream('resharded', 1);
    const dir = await tempDir('aquifer-kinesis-split-');
    const target = await IngestTarget.open(path.join(dir, 'events'), { engine, createIfMissing: {}, project: dir });
    const parent = (await client.send(new DescribeStreamCommand({ StreamName: 'resharded' }))).StreamDescription?.Shards?.[0];
    const lags: SourceLag[] = [];
    const removed: SourceLagKey[] = [];
    const job = new KinesisIngestJob(target, {
      stream: 'resharded',
      endpoint: service.endpoint,
      credentials: KINESIS_CREDENTIALS,
      idleMs: 50,
      onLag: (lag) => lags.push(lag),
      onLagRemoved: (key) => removed.push(key),
    });
    try {
      await job.start();
      for (let i = 0; i < 600 && lags.length === 0; i++) await sleep(100);
      expect(lags.length).toBeGreaterThan(0);
      await client.send(new SplitShardCommand({ StreamName: 'resharded', ShardToSplit: parent!.ShardId!, NewStartingHashKey: (2n ** 127n).toString() }));
      for (let i = 0; i < 600 && removed.length === 0; i++) await sleep(100);
    } finally {
      await job.stop();
    }
    expect(job.error).toBeUndefined();
    expect(removed).toEqual([{ source: 'kinesis', stream: 'resharded', shard: parent!.ShardId }]);
    // Nothing reported of the parent after it was removed.
    const afterRemoval = lags.slice(lags.findLastIndex((l) => l.source === 'kinesis' && l.shard === parent!.ShardId) + 1);
    expect(afterRemoval.every((l) => l.source === 'kinesis' && l.shard !== parent!.ShardId)).toBe(true);
  });
});
