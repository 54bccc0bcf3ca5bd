import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageRetryPolicyType } from '@azure/storage-blob';
import {
  azuriteAvailable,
  gcsAvailable,
  kafkaAvailable,
  kinesaliteAvailable,
  minioAvailable,
  startAzurite,
  startGcs,
  startKafka,
  startKinesalite,
  startMinio,
  type KafkaService,
  type KinesaliteService,
} from './services.js';

const kafkaReady = await kafkaAvailable();
const kinesaliteReady = kinesaliteAvailable();
const minioReady = await minioAvailable();
const gcsReady = await gcsAvailable();
const azuriteReady = azuriteAvailable();

describe.skipIf(!kafkaReady)('the Kafka test broker', () => {
  let kafka: KafkaService | undefined;

  beforeAll(async () => {
    kafka = await startKafka();
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  it('serves a topic that a consumer group reads back in order', async () => {
    if (kafka === undefined) throw new Error('the broker did not start');
    expect(kafka.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    // Quiet: kafkajs logs the retriable "group coordinator not available" while __consumer_offsets is created.
    const client = new Kafka({ clientId: 'aquifer-services-test', brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const topic = 'services-test-events';

    const admin = client.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
      expect(await admin.listTopics()).toContain(topic);
    } finally {
      await admin.disconnect();
    }

    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, messages: ['one', 'two', 'three'].map((value, i) => ({ key: `k${i}`, value })) });
    } finally {
      await producer.disconnect();
    }

    const consumer = client.consumer({ groupId: 'services-test-group' });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received: string[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              received.push(message.value?.toString('utf8') ?? '');
              if (received.length === 3) resolve();
            },
          })
          .catch(reject);
      });
      expect(received).toEqual(['one', 'two', 'three']);
    } finally {
      await consumer.disconnect();
    }
  });
});

describe.skipIf(!kinesaliteReady)('the kinesalite test server', () => {
  let kinesis: KinesaliteService | undefined;

  beforeAll(async () => {
    kinesis = await startKinesalite();
  });

  afterAll(async () => {
    await kinesis?.stop();
  });

  it('stores a record that a shard iterator reads back', async () => {
    if (kinesis === undefined) throw new Error('kinesalite did not start');
    expect(kinesis.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // kinesalite speaks HTTP/1.1 only: the client's default handler fails against it.
    const client = new KinesisClient({
      endpoint: kinesis.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
    });
    const StreamName = 'services-test-stream';
    try {
      await client.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
      let status: string | undefined;
      for (let attempt = 0; attempt < 600 && status !== 'ACTIVE'; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName }));
        status = summary.StreamDescriptionSummary?.StreamStatus;
      }
      expect(status).toBe('ACTIVE');

      const put = await client.send(new PutRecordCommand({ StreamName, PartitionKey: 'user-1', Data: new TextEncoder().encode('{"event":"click"}') }));
      expect(put.ShardId).toBeDefined();

      const iterator = await client.send(new GetShardIteratorCommand({ StreamName, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const records = await client.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
      expect(records.Records?.map((record) => new TextDecoder().decode(record.Data))).toEqual(['{"event":"click"}']);
      expect(records.Records?.[0]?.SequenceNumber).toBe(put.SequenceNumber);
    } finally {
      client.destroy();
    }
  });
});

describe.skipIf(!minioReady)('the MinIO test server', () => {
  it('serves fresh buckets with its random credentials and is gone once stopped', async () => {
    const minio = await startMinio();
    try {
      expect(minio.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const bucket = await minio.createBucket();
      const newClient = () =>
        new S3Client({
          endpoint: minio.endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
          maxAttempts: 1,
        });
      const client = newClient();
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
        expect((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(1);
      } finally {
        client.destroy();
      }
      await minio.stop();
      // A fresh client: a kept-alive socket from before the stop may see ECONNRESET instead.
      const after = newClient();
      try {
        await expect(after.send(new ListObjectsV2Command({ Bucket: bucket }))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      } finally {
        after.destroy();
      }
    } finally {
      await minio.stop();
    }
  }, 300_000);
});

describe.skipIf(!gcsReady)('the GCS emulator (fake-gcs-server)', () => {
  it('serves fresh buckets over its JSON API without credentials and is gone once stopped', async () => {
    const gcs = await startGcs();
    try {
      expect(gcs.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const bucket = await gcs.createBucket();
      const upload = await fetch(`${gcs.endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=k`, { method: 'POST', body: 'v' });
      expect(upload.status).toBe(200);
      const listed = (await (await fetch(`${gcs.endpoint}/storage/v1/b/${bucket}/o`)).json()) as { items?: { name: string }[] };
      expect(listed.items?.map((item) => item.name)).toEqual(['k']);
      await gcs.stop();
      await expect(fetch(`${gcs.endpoint}/storage/v1/b`, { headers: { connection: 'close' } })).rejects.toThrow();
    } finally {
      await gcs.stop();
    }
  }, 300_000);
});

describe.skipIf(!azuriteReady)('the Azurite test server', () => {
  it('serves fresh containers to its random account and key, and is gone once stopped', async () => {
    const azurite = await startAzurite();
    try {
      expect(azurite.endpoint).toBe(`http://127.0.0.1:${new URL(azurite.endpoint).port}/${azurite.accountName}`);
      expect(azurite.connectionString).toContain(`AccountKey=${azurite.accountKey};`);
      const container = await azurite.createContainer();
      const client = () =>
        BlobServiceClient.fromConnectionString(azurite.connectionString, {
          retryOptions: { retryPolicyType: StorageRetryPolicyType.FIXED, maxTries: 1 },
        }).getContainerClient(container);
      await client().getBlockBlobClient('k').upload('v', 1);
      const names: string[] = [];
      for await (const blob of client().listBlobsFlat()) names.push(blob.name);
      expect(names).toEqual(['k']);
      await azurite.stop();
      await expect(client().getBlobClient('k').getProperties()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await azurite.stop();
    }
  }, 180_000);
});
