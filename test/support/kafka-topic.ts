import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { startKafka, type KafkaService } from './services.js';

/** What a Kafka ingestion test works with: a broker, a topic, an idempotent producer and an engine. */
export interface KafkaTopicFixture {
  readonly kafka: KafkaService;
  readonly producer: Producer;
  readonly engine: Engine;
}

/**
 * Start a broker with one topic for the enclosing describe block (beforeAll), and stop
 * everything after it (afterAll). Read the fixture inside tests, once beforeAll has run.
 */
export function useKafkaTopic(topic: string, partitions: number): () => KafkaTopicFixture {
  let fixture: { kafka?: KafkaService; producer?: Producer; engine?: Engine } = {};
  beforeAll(async () => {
    const kafka = await startKafka();
    fixture.kafka = kafka;
    fixture.engine = await Engine.create({ threads: 2 });
    const client = new Kafka({ brokers: [kafka.bootstrap], logLevel: logLevel.NOTHING });
    const admin = client.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    await admin.disconnect();
    fixture.producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
    await fixture.producer.connect();
  });
  afterAll(async () => {
    await fixture.producer?.disconnect();
    fixture.engine?.close();
    await fixture.kafka?.stop();
    fixture = {};
  });
  return () => fixture as KafkaTopicFixture;
}
