import { CreateStreamCommand, DescribeStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { sleep } from './processes.js';
import { startKinesalite, type KinesaliteService } from './services.js';

/** The credentials kinesalite takes (any will do). */
export const KINESIS_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** What a Kinesis ingestion test works with: kinesalite, a client of it and an engine. */
export interface KinesisFixture {
  readonly service: KinesaliteService;
  readonly client: KinesisClient;
  readonly engine: Engine;
  /** Create a stream and wait until it is ACTIVE. */
  createStream(name: string, shards: number): Promise<void>;
}

/**
 * Start kinesalite for the enclosing describe block (beforeAll), and stop everything after
 * it (afterAll). Read the fixture inside tests, once beforeAll has run.
 */
export function useKinesalite(): () => KinesisFixture {
  let fixture: KinesisFixture | undefined;
  beforeAll(async () => {
    const service = await startKinesalite();
    const client = new KinesisClient({
      endpoint: service.endpoint,
      region: 'us-east-1',
      credentials: KINESIS_CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    });
    const engine = await Engine.create({ threads: 2 });
    fixture = {
      service,
      client,
      engine,
      createStream: async (name, shards) => {
        await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
        for (let i = 0; i < 600; i++) {
          const description = await client.send(new DescribeStreamCommand({ StreamName: name }));
          if (description.StreamDescription?.StreamStatus === 'ACTIVE') return;
          await sleep(100);
        }
        throw new Error(`stream ${name} did not become active`);
      },
    };
  });
  afterAll(async () => {
    fixture?.client.destroy();
    fixture?.engine.close();
    await fixture?.service.stop();
  });
  return () => {
    if (fixture === undefined) throw new Error('useKinesalite() is ready only from beforeAll on');
    return fixture;
  };
}
