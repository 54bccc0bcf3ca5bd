import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateStreamCommand, DescribeStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarantineLocation } from '../../src/ingest/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tableRows } from '../support/ingest.js';
import { sleep } from '../support/processes.js';
import { sortedRows, useLocalAndS3Projects, type ProjectUnderTest } from '../support/s3-project.js';
import { startServe } from '../support/serve.js';
import {
  kafkaAvailable,
  kinesaliteAvailable,
  minioAvailable,
  startKafka,
  startKinesalite,
  type KafkaService,
  type KinesaliteService,
} from '../support/services.js';

const minioReady = await minioAvailable();
const kafkaReady = minioReady && (await kafkaAvailable());
const kinesisReady = minioReady && kinesaliteAvailable();

const jsonl = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe.skipIf(!minioReady)('ingestion into a project whose tables live in S3 (MinIO)', () => {
  const context = useLocalAndS3Projects('s3-ingest');

  /**
   * The table's rows and its quarantine's: without the per-run record id and time, and with
   * the side's own topic or stream name made neutral.
   */
  async function landed(side: ProjectUnderTest, table: string, omit: readonly string[] = []): Promise<{ rows: string[]; quarantined: string[] }> {
    const { engine } = context();
    const location = side.project.tablePath(table);
    const neutral = (rows: string[]) => rows.map((row) => row.split(side.unique).join('SIDE'));
    return {
      rows: neutral(sortedRows(await tableRows(engine, location))),
      quarantined: neutral(sortedRows(await tableRows(engine, quarantineLocation(location)), ['record_id', 'quarantined_at', ...omit])),
    };
  }

  it('ingests files with bad records into the table and a quarantine in the same bucket, as on a local project', async () => {
    const { inputs } = context();
    await writeFile(path.join(inputs, 'seed.jsonl'), '{"id": 0, "name": "zed", "amount": 0.5}\n');
    await writeFile(path.join(inputs, 'a.csv'), 'id,name,amount\n1,ann,1.5\n2,bob,2.5\n3,cy,oops\n');
    await writeFile(path.join(inputs, 'b.jsonl'), '{"id": 4, "name": "dee", "amount": 4}\n{"id": 5, "nickname": "eve"}\n{broken\n');
    const local = await context().same(async (side) => {
      await side.cli(['table', 'create', 'events', '--from', path.join(inputs, 'seed.jsonl')]);
      const files = [path.join(inputs, 'a.csv'), path.join(inputs, 'b.jsonl')];
      const { table, ...first } = await side.json<{ table: string }>(['ingest', 'file', 'events', ...files]);
      expect(table).toBe(side.project.tablePath('events'));
      const { table: _again, ...again } = await side.json<{ table: string; alreadyLoaded: number }>(['ingest', 'file', 'events', ...files]);
      expect(again.alreadyLoaded).toBe(2);
      // The quarantine is a table beside its table, in the project's own storage.
      const quarantine = quarantineLocation(side.project.tablePath('events'));
      expect(quarantine).toBe(`${side.storage}/events__quarantine`);
      expect(existsSync(path.join(side.project.root, 'tables'))).toBe(side.kind === 'local');
      const listed = await side.cli(['quarantine', 'list', 'events', '--format', 'jsonl']);
      const shown = sortedRows(jsonl(listed.stdout) as [], ['record_id', 'quarantined_at']);
      const before = await landed(side, 'events');
      // A corrected payload replayed from the quarantine in S3 into its table in S3.
      const mismatch = jsonl(listed.stdout).find((r) => r['reason'] === 'TYPE_MISMATCH');
      const fixes = path.join(side.project.root, 'fixes.jsonl');
      await writeFile(fixes, `${JSON.stringify({ record_id: mismatch?.['record_id'], payload: { id: 3, name: 'cy', amount: 3 } })}\n`);
      const replayed = await side.json<unknown>(['quarantine', 'replay', 'events', '--fixes', fixes, '--where', "reason = 'TYPE_MISMATCH'"]);
      return { first, again, shown, ...before, replayed, after: await landed(side, 'events') };
    });
    expect(local.replayed).toMatchObject({ tried: 1, replayed: 1, stillQuarantined: 0 });
    expect(local.after.rows).toHaveLength(5);
    expect(local.after.quarantined).toHaveLength(2);
    expect(local.rows).toHaveLength(4);
    expect(local.quarantined.map((r) => (JSON.parse(r) as { reason: string }).reason).sort()).toEqual(['PARSE_ERROR', 'TYPE_MISMATCH', 'UNKNOWN_FIELD']);
  });

  it('ingests over HTTP through aquifer serve with a token, an Idempotency-Key retry being a duplicate, as on a local project', async () => {
    const local = await context().same(async (side) => {
      const { token } = await side.json<{ token: string }>(['tokens', 'create', '--role', 'writer']);
      const server = await startServe(['serve', '--port', '0'], { cwd: side.project.root });
      try {
        const { url } = server;
        const post = async (key: string, records: unknown[]) => {
          const response = await fetch(`${url}/v1/ingest/clicks`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key, 'x-request-id': key },
            body: JSON.stringify(records),
          });
          return { status: response.status, body: (await response.json()) as unknown };
        };
        const first = [{ user: 'ann', n: 1 }, { user: 'bob', n: 2 }, 'not a record'];
        const answers = [await post('k1', first), await post('k1', first), await post('k2', [{ user: 'dee', n: 4 }])];
        expect(answers.map((a) => (a.body as { duplicate: boolean }).duplicate)).toEqual([false, true, false]);
        return { answers, ...(await landed(side, 'clicks')) };
      } finally {
        expect(await server.stop()).toBe(0);
      }
    });
    expect(local.rows).toHaveLength(3);
    expect(local.quarantined).toHaveLength(1);
  });

  describe.skipIf(!kafkaReady)('from Kafka', () => {
    let kafka: KafkaService | undefined;
    beforeAll(async () => {
      kafka = await startKafka();
    });
    afterAll(async () => {
      await kafka?.stop();
    });

    it('ingests a topic exactly once across a restart with a new consumer group, the offsets kept in the Delta log in S3', async () => {
      const bootstrap = kafka!.bootstrap;
      const client = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
      const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      let topics = Promise.resolve();
      try {
        const local = await context().same(async (side) => {
          const topic = `events-${side.unique}`;
          // One topic at a time, as the other Kafka tests make them.
          topics = topics.then(async () => {
            const admin = client.admin();
            await admin.connect();
            try {
              await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: false });
              // kafkajs's own wait gives up on the UNKNOWN_TOPIC_OR_PARTITION a just-made topic may answer with.
              for (let i = 0; ; i++) {
                const ready = await admin
                  .fetchTopicMetadata({ topics: [topic] })
                  .then((m) => m.topics[0]?.partitions.length === 2 && m.topics[0].partitions.every((p) => p.leader >= 0))
                  .catch(() => false);
                if (ready) break;
                if (i === 300) throw new Error(`topic ${topic} has no leaders`);
                await sleep(100);
              }
            } finally {
              await admin.disconnect();
            }
          });
          await topics;
          const produce = (from: number, to: number) =>
            producer.send({
              topic,
              messages: Array.from({ length: to - from }, (_, i) => {
                const seq = from + i;
                return { key: `k${seq % 5}`, value: seq % 10 === 7 ? `not json ${seq}` : JSON.stringify({ seq, user: `u${seq % 3}` }) };
              }),
            });
          // Each run waits for its own batches to add up to the records it should land.
          const run = async (group: string, expected: number) => {
            const job = side.start([
              'ingest',
              'kafka',
              'events',
              '--brokers',
              bootstrap,
              '--topic',
              topic,
              '--group',
              group,
              '--max-batch-ms',
              '200',
              '--format',
              'json',
            ]);
            let landedCount = 0;
            try {
              await job.waitForLine((line) => {
                const batch = JSON.parse(line) as { accepted: number; quarantined: number };
                landedCount += batch.accepted + batch.quarantined;
                return landedCount >= expected;
              });
            } finally {
              expect(await job.stop()).toBe(0);
            }
            return landedCount;
          };
          await produce(0, 40);
          expect(await run(`g1-${side.unique}`, 40)).toBe(40);
          await produce(40, 60);
          // A new group has no committed offsets: only the table's txn positions keep it from reading the topic again.
          expect(await run(`g2-${side.unique}`, 20)).toBe(20);
          const snapshot = await (await DeltaTable.open(side.project.tablePath('events'), { engine: context().engine })).snapshot();
          const offsets = [...snapshot.txns.entries()].map(([appId, txn]) => [appId.replace(topic, 'TOPIC'), txn.version]).sort();
          return { offsets, ...(await landed(side, 'events')) };
        });
        expect(local.rows).toHaveLength(54);
        expect(local.quarantined).toHaveLength(6);
        expect(local.offsets.length).toBe(2);
      } finally {
        await producer.disconnect();
      }
    });
  });

  describe.skipIf(!kinesisReady)('from Kinesis (kinesalite)', () => {
    let service: KinesaliteService | undefined;
    beforeAll(async () => {
      service = await startKinesalite();
    });
    afterAll(async () => {
      await service?.stop();
    });

    it('ingests a stream exactly once across a restart, the shard positions kept in the table in S3', async () => {
      const endpoint = service!.endpoint;
      const client = new KinesisClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        requestHandler: new NodeHttpHandler(),
      });
      try {
        const local = await context().same(async (side) => {
          const stream = `clicks-${side.unique}`;
          await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
          for (let i = 0; i < 100; i++) {
            const description = await client.send(new DescribeStreamCommand({ StreamName: stream }));
            if (description.StreamDescription?.StreamStatus === 'ACTIVE') break;
            await sleep(100);
          }
          const put = async (from: number, to: number) => {
            const Records = Array.from({ length: to - from }, (_, i) => {
              const seq = from + i;
              return { PartitionKey: `key-${seq % 7}`, Data: Buffer.from(seq % 10 === 3 ? `garbage ${seq}` : JSON.stringify({ seq, kind: 'click' })) };
            });
            expect((await client.send(new PutRecordsCommand({ StreamName: stream, Records }))).FailedRecordCount ?? 0).toBe(0);
          };
          const run = async (expected: number) => {
            const job = side.start(['ingest', 'kinesis', 'clicks', '--stream', stream, '--endpoint', endpoint, '--max-batch-ms', '200', '--format', 'json']);
            let landedCount = 0;
            try {
              await job.waitForLine((line) => {
                const batch = JSON.parse(line) as { accepted: number; quarantined: number };
                landedCount += batch.accepted + batch.quarantined;
                return landedCount >= expected;
              });
            } finally {
              expect(await job.stop()).toBe(0);
            }
            return landedCount;
          };
          await put(0, 30);
          expect(await run(30)).toBe(30);
          await put(30, 50);
          expect(await run(20)).toBe(20);
          // Kinesis sequence numbers carry the time a record arrived, so the sides' differ.
          return landed(side, 'clicks', ['source']);
        });
        expect(local.rows).toHaveLength(45);
        expect(local.quarantined).toHaveLength(5);
      } finally {
        client.destroy();
      }
    });
  });
});
