import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FeatureRegistry, openFeatureStore, readAggregationMeta, readProjectDefinitions } from '../../../src/features/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { useKafkaTopic } from '../../support/kafka-topic.js';
import { exited, sleep, startCli } from '../../support/processes.js';
import { kafkaAvailable } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

/**
 * The whole streaming path with real parts: a producer writes click events to a Kafka
 * broker, `aquifer ingest kafka` lands them in a table, `aquifer aggregate --follow`
 * folds each commit into the online tiles while it is SIGKILLed and restarted, and the
 * served aggregates equal the training set's and a plain computation's.
 */

const RECORDS = 2_000;
const USERS = 5;
const KILLS = 5;
const START_MS = Date.parse('2024-06-01T00:00:00Z');
const MINUTE = 60_000;

interface Click {
  user_id: number;
  ts: number;
  amount: number;
  page: string;
}

const clicks: Click[] = Array.from({ length: RECORDS }, (_, i) => ({
  user_id: (i * 7) % USERS,
  ts: START_MS + i * 20_000,
  amount: (i % 37) + 0.25,
  page: `p${(i * 13) % 9}`,
}));

function reference(user: number, at: number): Record<string, unknown> {
  const since = (windowMs: number) => Math.floor(at / (10 * MINUTE)) * 10 * MINUTE + 10 * MINUTE - windowMs;
  const hour = clicks.filter((c) => c.user_id === user && c.ts >= since(60 * MINUTE) && c.ts <= at);
  const day = clicks.filter((c) => c.user_id === user && c.ts >= since(1440 * MINUTE) && c.ts <= at);
  return {
    count_1h: hour.length,
    sum_amount_1h: hour.length === 0 ? null : hour.reduce((s, c) => s + c.amount, 0),
    last_page_1h: hour.length === 0 ? null : (hour[hour.length - 1] as Click).page,
    count_distinct_page_1d: new Set(day.map((c) => c.page)).size,
  };
}

const ready = await kafkaAvailable();

describe.skipIf(!ready)('window aggregations from a Kafka stream', () => {
  const fixture = useKafkaTopic('clicks', 2);

  it(`serve what the training set has, through ${KILLS} SIGKILLs of the aggregator`, async () => {
    const project = await Project.init(await tempDir('aquifer-agg-kafka-'));
    const engine = fixture().engine;
    await DeltaTable.create(project.tablePath('clicks'), {
      engine,
      data: { sql: `SELECT 0::BIGINT AS user_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS ts, 0.0::DOUBLE AS amount, ''::VARCHAR AS page LIMIT 0` },
    });
    await writeFile(
      project.featuresPath,
      JSON.stringify({
        entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'long' }] }],
        featureViews: [
          {
            name: 'clicks_agg',
            entities: ['user'],
            source: { kind: 'table', table: 'clicks', timestampField: 'ts' },
            aggregation: {
              interval: '10m',
              aggregations: [
                { function: 'count', window: '1h' },
                { function: 'sum', column: 'amount', window: '1h' },
                { function: 'last', column: 'page', window: '1h', type: 'string' },
                { function: 'count_distinct', column: 'page', window: '1d' },
              ],
            },
          },
        ],
      }),
    );
    // `aquifer aggregate` runs on the definitions as last applied.
    await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
    // Their stderr is drained (an unread pipe that fills up would stall them) and kept for failure messages.
    let stderr = '';
    const drained = (child: ChildProcess) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-20_000);
      });
      return child;
    };
    const ingest = drained(
      startCli([
        'ingest',
        'kafka',
        project.tablePath('clicks'),
        '--brokers',
        fixture().kafka.bootstrap,
        '--topic',
        'clicks',
        '--group',
        'clicks-ingest',
        '--max-batch-records',
        '150',
        '--max-batch-ms',
        '100',
      ]),
    );
    const follow = () => drained(startCli(['aggregate', '--follow', '--poll-ms', '50', '--project', project.root]));
    const send = (burst: number) =>
      fixture().producer.send({
        topic: 'clicks',
        messages: clicks
          .slice(burst * 200, (burst + 1) * 200)
          .map((c) => ({ key: String(c.user_id), value: JSON.stringify({ ...c, ts: new Date(c.ts).toISOString() }) })),
      });
    const table = await DeltaTable.open(project.tablePath('clicks'), { engine });
    const store = await openFeatureStore(project, engine);
    const foldedVersion = async () => (await readAggregationMeta(store.online!, 'clicks_agg'))?.version ?? -1;
    const waitFor = async (what: string, done: () => Promise<boolean>) => {
      const deadline = Date.now() + 90_000;
      while (!(await done())) {
        if (Date.now() > deadline) expect.fail(`${what} did not happen within 90 s; the jobs said:\n${stderr}`);
        await sleep(25);
      }
    };
    let aggregator: ChildProcess | undefined;
    try {
      await send(0);
      await waitFor('the first burst landing', async () => (await (await table.scan()).count()) === 200);
      aggregator = follow();
      let kills = 0;
      for (let burst = 1; burst < 10; burst++) {
        const before = await foldedVersion();
        await send(burst);
        if (burst % 2 === 1 && kills < KILLS) {
          // Kill it while it works: once it has folded some of this burst's commits.
          await waitFor(`the aggregator folding burst ${burst}`, async () => (await foldedVersion()) > before);
          await sleep(burst * 7);
          aggregator.kill('SIGKILL');
          await exited(aggregator);
          kills++;
          aggregator = follow();
        }
      }
      expect(kills).toBe(KILLS);

      // Wait for the stream to land and the aggregator to fold in the table's last commit.
      await waitFor('the stream landing and the aggregator catching up', async () => {
        const meta = await readAggregationMeta(store.online!, 'clicks_agg');
        return (await (await table.scan()).count()) === RECORDS && meta?.version === (await table.snapshot()).version && meta.pending === undefined;
      });
      const users = Array.from({ length: USERS }, (_, u) => u);
      for (const at of [START_MS + (RECORDS - 1) * 20_000, START_MS + (RECORDS - 1) * 20_000 + 25 * MINUTE]) {
        const response = await store.onlineFeatures({ features: ['clicks_agg:*'], entities: { user_id: users }, at });
        const set = await store.historicalFeatures({
          entityRows: { sql: `SELECT range::BIGINT AS user_id, make_timestamptz(${at}::BIGINT * 1000) AS event_timestamp FROM range(0, ${USERS})` },
          features: ['clicks_agg:*'],
        });
        const offline = await set.rows();
        for (const user of users) {
          const online = Object.fromEntries(response.metadata.feature_names.slice(1).map((name, i) => [name, response.results[i + 1]?.values[user] ?? null]));
          const training = Object.fromEntries(
            Object.keys(online).map((name) => [
              name,
              typeof offline[user]?.[name] === 'string' && /^\d+$/.test(String(offline[user]?.[name]))
                ? Number(offline[user]?.[name])
                : (offline[user]?.[name] ?? null),
            ]),
          );
          const expected = reference(user, at);
          for (const name of Object.keys(expected)) {
            const [o, t, e] = [online[name], training[name], expected[name]];
            if (typeof e === 'number' && !Number.isInteger(e)) {
              expect(Math.abs((o as number) - e), `${name} online, user ${user}`).toBeLessThan(1e-9 * Math.abs(e));
              expect(Math.abs((t as number) - e), `${name} training set, user ${user}`).toBeLessThan(1e-9 * Math.abs(e));
            } else {
              expect(o, `${name} online, user ${user}`).toEqual(e);
              expect(t, `${name} training set, user ${user}`).toEqual(e);
            }
          }
        }
      }
    } finally {
      await store.online?.close();
      for (const child of [ingest, aggregator]) {
        if (child === undefined) continue;
        child.kill('SIGTERM');
        await exited(child);
      }
    }
  }, 600_000);
});
