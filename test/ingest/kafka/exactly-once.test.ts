import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quarantineLocation } from '../../../src/ingest/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { useKafkaTopic } from '../../support/kafka-topic.js';
import { kafkaAvailable } from '../../support/services.js';
import { exited, sleep, startCli } from '../../support/processes.js';
import { tempDir } from '../../support/temp.js';

const RECORDS = 6000;
const KILLS = 24;
const isBad = (seq: number) => seq % 97 === 13;

/** A small seeded generator, so a failing run can be replayed with the same kill points. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function startJob(table: string, bootstrap: string, group: string): ChildProcess {
  return startCli([
    'ingest',
    'kafka',
    table,
    '--brokers',
    bootstrap,
    '--topic',
    'sequence',
    '--group',
    group,
    '--max-batch-records',
    '250',
    '--max-batch-ms',
    '100',
    '--format',
    'json',
  ]);
}

const ready = await kafkaAvailable();

describe.skipIf(!ready)('Kafka ingestion killed with SIGKILL at random points', () => {
  const fixture = useKafkaTopic('sequence', 3);

  it(`lands every record exactly once and quarantines every bad one exactly once across ${KILLS} kills`, async () => {
    const dir = await tempDir('aquifer-kafka-eos-');
    const table = path.join(dir, 'sequence');
    const next = random(20261125);

    // The producer writes a known sequence while the job is being killed and restarted.
    const producing = (async () => {
      for (let start = 0; start < RECORDS; start += 200) {
        const messages = [];
        for (let seq = start; seq < Math.min(RECORDS, start + 200); seq++) {
          messages.push({ key: `k${seq % 11}`, value: isBad(seq) ? `not json ${seq}` : JSON.stringify({ seq, user: `u${seq % 17}`, amount: seq / 4 }) });
        }
        await fixture().producer.send({ topic: 'sequence', messages });
        await sleep(150);
      }
    })();

    for (let kill = 0; kill < KILLS; kill++) {
      // A fresh group each run: a SIGKILLed member would otherwise hold its partitions until its session expires.
      const job = startJob(table, fixture().kafka.bootstrap, `eos-${kill}`);
      await sleep(300 + Math.floor(next() * 2200));
      job.kill('SIGKILL');
      await exited(job);
    }
    await producing;

    // A last run, left to finish: it must pick up exactly where the table says.
    const last = startJob(table, fixture().kafka.bootstrap, 'eos-final');
    let stderr = '';
    last.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const good = RECORDS - Array.from({ length: RECORDS }, (_, seq) => seq).filter(isBad).length;
    const deadline = Date.now() + 180_000;
    let count = 0;
    while (Date.now() < deadline) {
      try {
        count = await (await (await DeltaTable.open(table, { engine: fixture().engine })).scan()).count();
      } catch {
        count = 0;
      }
      if (count >= good) break;
      await sleep(500);
    }
    await sleep(1000);
    last.kill('SIGTERM');
    await exited(last);
    expect(count, stderr).toBeGreaterThanOrEqual(good);

    const rows = await fixture().engine.query(
      `SELECT seq, count(*) AS n FROM (${await (await (await DeltaTable.open(table, { engine: fixture().engine })).scan()).sql()}) GROUP BY seq`,
    );
    const duplicates = rows.filter((r) => Number(r['n']) !== 1);
    expect(duplicates).toEqual([]);
    const seen = new Set(rows.map((r) => Number(r['seq'])));
    const missing = Array.from({ length: RECORDS }, (_, seq) => seq).filter((seq) => !isBad(seq) && !seen.has(seq));
    expect(missing).toEqual([]);
    expect(seen.size).toBe(good);

    const quarantine = await DeltaTable.open(quarantineLocation(table), { engine: fixture().engine });
    const bad = await fixture().engine.query(`SELECT payload, count(*) AS n FROM (${await (await quarantine.scan()).sql()}) GROUP BY payload`);
    expect(bad.filter((r) => Number(r['n']) !== 1)).toEqual([]);
    expect(bad.map((r) => String(r['payload'])).sort()).toEqual(
      Array.from({ length: RECORDS }, (_, seq) => seq)
        .filter(isBad)
        .map((seq) => `not json ${seq}`)
        .sort(),
    );
    // The kills really interrupted committing runs: many commits, from many runs.
    expect((await (await DeltaTable.open(table, { engine: fixture().engine })).history()).length).toBeGreaterThan(KILLS / 2);
  });
});
