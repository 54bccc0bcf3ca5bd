import { describe, expect, it } from 'vitest';
import { IngestJobMetrics } from '../../../src/monitor/index.js';

describe('a streaming job’s lag gauges', () => {
  it('remove the series of a partition the job no longer owns, and keep the others', async () => {
    const metrics = new IngestJobMetrics('events');
    for (const partition of [0, 1, 2]) metrics.lag({ source: 'kafka', topic: 'clicks', partition, messages: 10 + partition });
    metrics.lag({ source: 'kinesis', stream: 's', shard: 'shard-0', millisBehindLatest: 5 });
    metrics.lagRemoved({ source: 'kafka', topic: 'clicks', partition: 1 });
    metrics.lagRemoved({ source: 'kinesis', stream: 's', shard: 'shard-0' });
    const text = await metrics.text();
    expect(text).toContain('aquifer_kafka_consumer_lag{table="events",topic="clicks",partition="0"} 10');
    expect(text).toContain('aquifer_kafka_consumer_lag{table="events",topic="clicks",partition="2"} 12');
    expect(text).not.toContain('partition="1"');
    expect(text).not.toContain('shard="shard-0"');
  });
});
