import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openAppliedFeatureStore } from '../../src/features/index.js';
import { tableRows } from '../support/ingest.js';
import { sortedRows, useLocalAndS3Projects, type ProjectUnderTest } from '../support/s3-project.js';
import { minioAvailable } from '../support/services.js';

const minioReady = await minioAvailable();

const DEFINITIONS = {
  entities: [
    { name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] },
    { name: 'user', joinKeys: [{ name: 'user_id', type: 'long' }] },
  ],
  featureViews: [
    { name: 'stats', entities: ['driver'], source: { kind: 'table', table: 'stats', timestampField: 'ts' }, features: [{ name: 'rate', type: 'double' }] },
    {
      name: 'activity',
      entities: ['user'],
      source: { kind: 'table', table: 'events', timestampField: 'ts' },
      aggregation: {
        interval: '5m',
        aggregations: [
          { function: 'count', window: '1h' },
          { function: 'sum', column: 'amount', window: '1h' },
        ],
      },
    },
  ],
  featureServices: [{ name: 'svc', features: ['stats:rate'] }],
};

/** A JSON answer of the CLI without the one field that names where the side keeps its tables. */
function withoutLocation<T extends { location?: unknown }>(value: T): Omit<T, 'location'> {
  const { location: _location, ...rest } = value;
  return rest;
}

describe.skipIf(!minioReady)('features of a project whose tables live in S3 (MinIO)', () => {
  const context = useLocalAndS3Projects('s3-features');

  it('builds pinned training sets, materializes and aggregates from S3 tables, as from a local project', async () => {
    const { engine, inputs } = context();
    const file = (name: string) => path.join(inputs, name);
    const copy = (sql: string, name: string) => engine.run(`COPY (${sql}) TO '${file(name)}' (FORMAT parquet)`);
    const stats = (rows: string) => `SELECT * FROM (VALUES ${rows}) AS t(driver_id, ts, rate)`;
    await copy(
      stats(`(1::BIGINT, TIMESTAMPTZ '2024-05-01 10:00:00+00', 0.5::DOUBLE), (2::BIGINT, TIMESTAMPTZ '2024-05-01 11:00:00+00', 0.7::DOUBLE)`),
      'stats-0.parquet',
    );
    await copy(
      stats(`(1::BIGINT, TIMESTAMPTZ '2024-05-01 11:30:00+00', 0.9::DOUBLE), (2::BIGINT, TIMESTAMPTZ '2024-05-01 09:00:00+00', 0.1::DOUBLE)`),
      'stats-1.parquet',
    );
    await copy(
      `SELECT * FROM (VALUES (1::BIGINT, TIMESTAMPTZ '2024-05-01 12:00:00+00'), (2::BIGINT, TIMESTAMPTZ '2024-05-01 10:30:00+00'), (2::BIGINT, TIMESTAMPTZ '2024-05-01 12:00:00+00')) AS t(driver_id, event_timestamp)`,
      'rows.parquet',
    );
    const events = (from: number, n: number) =>
      `SELECT (i % 3)::BIGINT AS user_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(i * 60) AS ts, (i * 1.5)::DOUBLE AS amount FROM range(${from}, ${from + n}) t(i)`;
    await copy(events(0, 30), 'events-0.parquet');
    await copy(events(30, 30), 'events-1.parquet');

    const rowsOf = async (side: ProjectUnderTest, table: string) => sortedRows(await tableRows(engine, side.project.tablePath(table)));
    const local = await context().same(async (side) => {
      await side.cli(['table', 'create', 'stats', '--from', file('stats-0.parquet')]);
      await side.cli(['table', 'create', 'events', '--from', file('events-0.parquet')]);
      await writeFile(side.project.featuresPath, JSON.stringify(DEFINITIONS));
      const applied = await side.json<{ version: number }>(['apply']);
      const trainingSet = ['training-set', 'create', 'training_v1', '--entities', file('rows.parquet'), '--features', 'svc', '--model', 'ranker:1'];
      const created = await side.json<{ location: string }>(trainingSet);
      expect(created.location).toBe(`${side.storage}/training_v1`);
      const v1 = await rowsOf(side, 'training_v1');
      await side.cli(['table', 'append', 'stats', '--from', file('stats-1.parquet')]);
      // Pinned: recreated from stats at version 0 whatever was appended since; a new set reads version 1.
      const recreated = await side.json<{ location: string }>(['training-set', 'recreate', 'training_v1', 'training_v1_again']);
      const latest = await side.json<{ location: string }>([
        'training-set',
        'create',
        'training_v2',
        '--entities',
        file('rows.parquet'),
        '--features',
        'stats:rate',
      ]);
      const replaced = await side.json<{ location: string }>([...trainingSet, '--overwrite']);
      const sets = {
        v1,
        again: await rowsOf(side, 'training_v1_again'),
        v2: await rowsOf(side, 'training_v2'),
        replaced: await rowsOf(side, 'training_v1'),
      };

      const materialized = await side.json<unknown>(['materialize', '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z']);
      const aggregated = jsonLines(await side.cli(['aggregate', '--format', 'json']));
      await side.cli(['table', 'append', 'events', '--from', file('events-1.parquet')]);
      const folded = jsonLines(await side.cli(['aggregate', '--format', 'json']));

      const store = await openAppliedFeatureStore(side.project, engine);
      try {
        // A push offline appends to the view's table, in S3 for an S3 project.
        const pushed = await store.push({
          view: 'stats',
          to: 'online_and_offline',
          columns: { driver_id: [3], ts: ['2024-05-01T12:00:00Z'], rate: [0.3] },
        });
        const statsAfterPush = await rowsOf(side, 'stats');
        const online = await store.onlineFeatures({ features: ['stats:rate'], entities: { driver_id: [1, 2, 3] } });
        const windows = await store.onlineFeatures({
          features: ['activity:count_1h', 'activity:sum_amount_1h'],
          entities: { user_id: [0, 1, 2] },
          at: '2024-05-01T01:00:00Z',
        });
        return {
          applied,
          answers: [created, recreated, latest, replaced].map(withoutLocation),
          sets,
          materialized,
          aggregated,
          folded,
          pushed,
          statsAfterPush,
          online,
          windows,
        };
      } finally {
        await store.online?.close();
      }
    });
    expect(local.sets.again).toEqual(local.sets.v1);
    expect(local.sets.v2).not.toEqual(local.sets.v1);
    // Replaced whole in its storage: the set saved again over it reads the latest stats.
    expect(local.sets.replaced).toEqual(local.sets.v2);
    expect(local.answers[0]).toMatchObject({ rows: 3, sources: [{ view: 'stats', version: 0 }] });
    expect(local.answers[2]).toMatchObject({ rows: 3, sources: [{ view: 'stats', version: 1 }] });
    expect(local.pushed).toMatchObject({ pushed: 1, tableVersion: 2 });
    expect(local.statsAfterPush).toHaveLength(5);
    expect(local.folded).toMatchObject([{ view: 'activity', tableVersion: 1, commits: 1, rebuilt: false }]);
  });
});

function jsonLines(result: { stdout: string }): unknown[] {
  return result.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}
