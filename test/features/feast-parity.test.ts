import { execFile, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { FeatureStore, LmdbOnlineStore, type FeatureRepository } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { referencePython } from '../support/reference-readers.js';
import { available, REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const FEAST_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'feast_historical.py');

function feastAvailable(): boolean {
  const python = referencePython();
  const probe = python === undefined ? undefined : spawnSync(python, ['-c', 'import feast, duckdb'], { encoding: 'utf8', timeout: 120_000 });
  return available(`Feast with its DuckDB offline store at ${python ?? '(no interpreter)'}`, probe?.status === 0);
}

/**
 * The same entities, feature views and Parquet data defined in a Feast repository: Feast's
 * get_historical_features (DuckDB offline store) and Aquifer's training set must agree
 * row by row, TTL expiry and created-time ties included.
 */
describe.skipIf(!feastAvailable())('training sets and online features agree with Feast', () => {
  let engine: Engine;
  let dir: string;
  let project: Project;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    dir = await tempDir('aquifer-feast-');
    project = await Project.init(path.join(dir, 'project'));
  });
  afterAll(() => engine.close());

  it('gives the same rows as Feast for random data with ties, expired values, unknown keys and duplicate entity rows, and serves the values Feast serves after the same materialization', async () => {
    const data = (name: string) => path.join(dir, `${name}.parquet`);
    // Seeded data: 150 drivers, events over three days at whole seconds, some event times repeated with a later created time.
    await engine.run(`SELECT setseed(0.42)`);
    await engine.run(`COPY (
      SELECT driver_id, event_ts, event_ts + to_minutes(CAST(floor(random() * 30) AS INTEGER)) AS created_ts,
             round(random(), 6) AS conv_rate, CAST(floor(random() * 100) AS BIGINT) AS trips
      FROM (SELECT 1 + (i % 150) AS driver_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(CAST(floor(random() * 259200) AS BIGINT)) AS event_ts FROM range(6000) t(i))
      UNION ALL
      SELECT driver_id, event_ts, event_ts + INTERVAL 2 HOUR, round(random(), 6), 999
      FROM (SELECT 1 + (i % 150) AS driver_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(3600 * (1 + i % 70)) AS event_ts FROM range(300) t(i))
    ) TO ${quoteLiteral(data('driver_stats'))} (FORMAT parquet)`);
    await engine.run(`COPY (
      SELECT driver_id, TIMESTAMPTZ '2024-04-28 00:00:00+00' + to_seconds(CAST(floor(random() * 400000) AS BIGINT)) AS updated_at, round(1 + random() * 4, 3) AS rating
      FROM (SELECT 1 + (i % 140) AS driver_id FROM range(420) t(i))
    ) TO ${quoteLiteral(data('driver_profile'))} (FORMAT parquet)`);
    // Entity rows: some keys with no features at all (151..170), duplicates, times before, inside and after the data.
    await engine.run(`COPY (
      SELECT driver_id, event_timestamp FROM (
        SELECT 1 + CAST(floor(random() * 170) AS BIGINT) AS driver_id, TIMESTAMPTZ '2024-04-30 12:00:00+00' + to_seconds(CAST(floor(random() * 345600) AS BIGINT)) AS event_timestamp FROM range(3000)
      ) UNION ALL SELECT 5, TIMESTAMPTZ '2024-05-02 00:00:00+00' UNION ALL SELECT 5, TIMESTAMPTZ '2024-05-02 00:00:00+00'
    ) TO ${quoteLiteral(data('entities'))} (FORMAT parquet)`);
    await DeltaTable.create(project.tablePath('driver_stats'), { engine, data: { files: data('driver_stats') } });
    await DeltaTable.create(project.tablePath('driver_profile'), { engine, data: { files: data('driver_profile') } });

    const repository: FeatureRepository = {
      entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
      featureViews: [
        {
          name: 'driver_stats',
          entities: ['driver'],
          source: { kind: 'table', table: 'driver_stats', timestampField: 'event_ts', createdTimestampField: 'created_ts' },
          features: [
            { name: 'conv_rate', type: 'double' },
            { name: 'trips', type: 'long' },
          ],
          ttl: '6h',
        },
        {
          name: 'driver_profile',
          entities: ['driver'],
          source: { kind: 'table', table: 'driver_profile', timestampField: 'updated_at' },
          features: [{ name: 'rating', type: 'double' }],
          ttl: '2d',
        },
      ],
    };
    const features = ['driver_stats:conv_rate', 'driver_stats:trips', 'driver_profile:rating'];
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    const store = new FeatureStore(project, engine, repository, online);
    // Online parity: drivers with values, one whose only values come after the window's end, and unknown ones.
    const onlineKeys = [...Array.from({ length: 160 }, (_, i) => i + 1), 999];
    const ours = await store.historicalFeatures({ entityRows: { files: data('entities') }, features });

    const spec = {
      entities: [{ name: 'driver', joinKeys: ['driver_id'] }],
      views: [
        {
          name: 'driver_stats',
          path: data('driver_stats'),
          timestampField: 'event_ts',
          createdTimestampField: 'created_ts',
          entities: ['driver'],
          ttlSeconds: 6 * 3600,
          features: repository.featureViews[0]!.features,
        },
        {
          name: 'driver_profile',
          path: data('driver_profile'),
          timestampField: 'updated_at',
          entities: ['driver'],
          ttlSeconds: 2 * 86400,
          features: repository.featureViews[1]!.features,
        },
      ],
      entityRows: data('entities'),
      features,
      online: {
        start: '2024-04-27T00:00:00+00:00',
        end: '2024-05-02T12:00:00+00:00',
        entities: { driver_id: onlineKeys },
        output: path.join(dir, 'feast-online.json'),
      },
    };
    const specFile = path.join(dir, 'spec.json');
    await writeFile(specFile, JSON.stringify(spec));
    const feastOutput = path.join(dir, 'feast.parquet');
    await run(referencePython() as string, [FEAST_SCRIPT, specFile, feastOutput], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });

    const columns = 'driver_id, event_timestamp, conv_rate, trips, rating';
    const feast = `SELECT CAST(driver_id AS BIGINT) AS driver_id, CAST(event_timestamp AS TIMESTAMPTZ) AS event_timestamp, CAST(conv_rate AS DOUBLE) AS conv_rate, CAST(trips AS BIGINT) AS trips, CAST(rating AS DOUBLE) AS rating FROM read_parquet(${quoteLiteral(feastOutput)})`;
    const mine = `SELECT ${columns} FROM (${ours.sql})`;
    const [result] = await engine.query(`SELECT
      (SELECT count(*) FROM (${mine})) AS ours,
      (SELECT count(*) FROM (${feast})) AS feast,
      (SELECT count(*) FROM ((${mine}) EXCEPT ALL (${feast}))) AS only_ours,
      (SELECT count(*) FROM ((${feast}) EXCEPT ALL (${mine}))) AS only_feast,
      (SELECT count(*) FILTER (WHERE conv_rate IS NULL) FROM (${mine})) AS expired_or_missing,
      (SELECT count(*) FILTER (WHERE trips = 999) FROM (${mine})) AS tie_winners`);
    const sample = await engine.queryJson(`SELECT * FROM ((${mine}) EXCEPT ALL (${feast})) LIMIT 3`);
    expect(
      { ours: Number(result?.['ours']), feast: Number(result?.['feast']), onlyOurs: Number(result?.['only_ours']), onlyFeast: Number(result?.['only_feast']) },
      JSON.stringify(sample),
    ).toEqual({ ours: 3002, feast: 3002, onlyOurs: 0, onlyFeast: 0 });
    // The data exercise what they should: values missing or past their TTL, and created-time ties.
    expect(Number(result?.['expired_or_missing'])).toBeGreaterThan(100);
    expect(Number(result?.['tie_winners'])).toBeGreaterThan(0);

    // Online: the same materialization window, the same entities, the same values and statuses.
    await store.materialize('2024-04-27T00:00:00Z', '2024-05-02T12:00:00Z');
    const served = await store.onlineFeatures({ features, entities: { driver_id: onlineKeys } });
    await online.close();
    const feastOnline = JSON.parse(await readFile(path.join(dir, 'feast-online.json'), 'utf8')) as Record<string, unknown[]>;
    const byName = (name: string) => served.results[served.metadata.feature_names.indexOf(name)];
    for (const name of ['conv_rate', 'trips', 'rating']) {
      expect(byName(name)?.values, name).toEqual(feastOnline[name]);
    }
    expect(byName('driver_id')?.values).toEqual(feastOnline['driver_id']);
    expect(byName('conv_rate')?.statuses.filter((s) => s === 'NOT_FOUND').length).toBeGreaterThan(0);
  });
});
