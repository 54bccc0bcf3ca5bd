import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeltaTable } from '../../../src/table/index.js';
import { useKafkaTopic } from '../../support/kafka-topic.js';
import { kafkaAvailable } from '../../support/services.js';
import { exited, sleep, startCli } from '../../support/processes.js';
import { tempDir } from '../../support/temp.js';

const ready = await kafkaAvailable();

describe.skipIf(!ready)('Kafka ingestion across consumer-group rebalances', () => {
  const fixture = useKafkaTopic('orders', 4);

  const job = (table: string): ChildProcess =>
    startCli([
      'ingest',
      'kafka',
      table,
      '--brokers',
      fixture().kafka.bootstrap,
      '--topic',
      'orders',
      '--group',
      'shared-group',
      '--max-batch-records',
      '200',
      '--max-batch-ms',
      '100',
      '--session-timeout-ms',
      '6000',
      '--key-column',
      'order_key',
    ]);

  const produce = async (from: number, to: number) => {
    for (let start = from; start < to; start += 100) {
      const messages = [];
      for (let seq = start; seq < Math.min(to, start + 100); seq++) messages.push({ key: `o${seq}`, value: JSON.stringify({ seq, total: seq * 2 }) });
      await fixture().producer.send({ topic: 'orders', messages });
      await sleep(50);
    }
  };

  const rows = async (table: string) => {
    try {
      return await fixture().engine.query(
        `SELECT seq, order_key FROM (${await (await (await DeltaTable.open(table, { engine: fixture().engine })).scan()).sql()})`,
      );
    } catch {
      return [];
    }
  };

  it('shares partitions between two members, survives one being killed, and writes each record once', async () => {
    const table = path.join(await tempDir('aquifer-kafka-rebalance-'), 'orders');
    const first = job(table);
    await produce(0, 1500);
    const second = job(table);
    await produce(1500, 3000);
    // One member dies without leaving the group: its partitions move after the session times out.
    first.kill('SIGKILL');
    await produce(3000, 4000);
    for (let i = 0; i < 600; i++) {
      if ((await rows(table)).length >= 4000) break;
      await sleep(250);
    }
    await sleep(1000);
    second.kill('SIGTERM');
    await exited(second);
    const seen = await rows(table);
    const counts = new Map<number, number>();
    for (const row of seen) counts.set(Number(row['seq']), (counts.get(Number(row['seq'])) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(counts.size).toBe(4000);
    expect(seen.every((row) => row['order_key'] === `o${String(row['seq'])}`)).toBe(true);
  });
});
