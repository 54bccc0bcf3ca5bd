import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { IngestTarget, KinesisIngestJob, kinesisDomain, quarantineLocation } from '../../../src/ingest/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { KINESIS_CREDENTIALS, useKinesalite } from '../../support/kinesis-stream.js';
import { kinesaliteAvailable, type KinesaliteService } from '../../support/services.js';
import { REPO_ROOT } from '../../support/shared.js';
import { tempDir } from '../../support/temp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const credentials = KINESIS_CREDENTIALS;

describe.skipIf(!kinesaliteAvailable())('Kinesis ingestion (kinesalite)', () => {
  const kinesis = useKinesalite();
  let service: KinesaliteService | undefined;
  let client: KinesisClient;
  let engine: Engine;
  let createStream: (name: string, shards: number) => Promise<void>;
  beforeAll(() => {
    ({ service, client, engine, createStream } = kinesis());
  });

  async function put(name: string, from: number, to: number, bad: (seq: number) => boolean): Promise<void> {
    for (let start = from; start < to; start += 250) {
      const entries = [];
      for (let seq = start; seq < Math.min(to, start + 250); seq++) {
        entries.push({ PartitionKey: `key-${seq % 13}`, Data: Buffer.from(bad(seq) ? `garbage ${seq}` : JSON.stringify({ seq, kind: 'click' })) });
      }
      const result = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
      expect(result.FailedRecordCount ?? 0).toBe(0);
    }
  }

  async function countRows(table: string): Promise<number> {
    try {
      return await (await (await DeltaTable.open(table, { engine })).scan()).count();
    } catch {
      return 0;
    }
  }

  it('lands every record once across restarts, resuming each shard after the sequence number the table holds', async () => {
    const stream = 'clicks';
    await createStream(stream, 2);
    const table = path.join(await tempDir('aquifer-kinesis-'), 'clicks');
    const bad = (seq: number) => seq % 50 === 7;
    await put(stream, 0, 1000, bad);

    const run = async (until: number) => {
      const target = await IngestTarget.open(table, { engine, createIfMissing: {} });
      const job = new KinesisIngestJob(target, { stream, endpoint: service!.endpoint, credentials, maxBatchRecords: 300, maxBatchMs: 100, idleMs: 50 });
      await job.start();
      for (let i = 0; i < 200 && (await countRows(table)) < until; i++) await sleep(100);
      await job.stop();
      expect(job.error).toBeUndefined();
    };
    await run(980);
    await put(stream, 1000, 1500, bad);
    await run(1470);

    const rows = await engine.query(`SELECT seq, count(*) AS n FROM (${await (await (await DeltaTable.open(table, { engine })).scan()).sql()}) GROUP BY seq`);
    expect(rows.filter((r) => Number(r['n']) !== 1)).toEqual([]);
    expect(rows.length).toBe(1470);
    const quarantined = await (await (await DeltaTable.open(quarantineLocation(table), { engine })).scan()).count();
    expect(quarantined).toBe(30);
    const snapshot = await (await DeltaTable.open(table, { engine })).snapshot();
    const positions = JSON.parse(snapshot.domains.get(kinesisDomain(stream))?.configuration ?? '{}') as Record<string, string>;
    expect(Object.keys(positions)).toHaveLength(2);
    expect(snapshot.protocol.writerFeatures).toContain('domainMetadata');
  });

  it('quarantines a record whose data is not UTF-8 with its bytes in base64 (INVALID_UTF8), never with U+FFFD', async () => {
    const stream = 'not_utf8';
    await createStream(stream, 1);
    const table = path.join(await tempDir('aquifer-kinesis-'), 'events');
    const bad = Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const records = [Buffer.from('{"s": "a"}'), bad, Buffer.from('{"s": "c"}')];
    const result = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records.map((Data) => ({ PartitionKey: 'k', Data })) }));
    expect(result.FailedRecordCount ?? 0).toBe(0);
    const target = await IngestTarget.open(table, { engine, createIfMissing: {} });
    const job = new KinesisIngestJob(target, { stream, endpoint: service!.endpoint, credentials, maxBatchRecords: 10, maxBatchMs: 50, idleMs: 50 });
    await job.start();
    for (let i = 0; i < 200 && (await countRows(table)) < 2; i++) await sleep(50);
    await job.stop();
    expect(job.error).toBeUndefined();
    expect((await (await (await DeltaTable.open(table, { engine })).scan()).rows()).map((r) => r['s']).sort()).toEqual(['a', 'c']);
    const quarantined = await (await (await DeltaTable.open(quarantineLocation(table), { engine })).scan()).rows();
    expect(quarantined.map((r) => [r['reason'], r['payload']])).toEqual([['INVALID_UTF8', bad.toString('base64')]]);
  });

  it('keeps every record exactly once when the job is killed with SIGKILL while it commits', async () => {
    const stream = 'kills';
    await createStream(stream, 2);
    const table = path.join(await tempDir('aquifer-kinesis-kill-'), 'kills');
    await put(stream, 0, 2000, () => false);
    const start = (): ChildProcess =>
      spawn(
        process.execPath,
        [
          path.join(REPO_ROOT, 'dist', 'cli', 'main.js'),
          'ingest',
          'kinesis',
          table,
          '--stream',
          stream,
          '--endpoint',
          service!.endpoint,
          '--max-batch-records',
          '200',
          '--max-batch-ms',
          '50',
        ],
        {
          stdio: 'ignore',
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
        },
      );
    for (let kill = 0; kill < 5; kill++) {
      const job = start();
      await sleep(900 + kill * 350);
      job.kill('SIGKILL');
      await new Promise((resolve) => job.once('exit', resolve));
    }
    const last = start();
    for (let i = 0; i < 300 && (await countRows(table)) < 2000; i++) await sleep(100);
    last.kill('SIGTERM');
    await new Promise((resolve) => last.once('exit', resolve));
    const rows = await engine.query(
      `SELECT count(*) AS n, count(DISTINCT seq) AS d FROM (${await (await (await DeltaTable.open(table, { engine })).scan()).sql()})`,
    );
    expect(rows[0]).toEqual({ n: 2000n, d: 2000n });
  });
});
