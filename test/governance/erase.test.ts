import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { entityKey, LmdbOnlineStore, openFeatureStore, openOnlineStore, type FeatureRepository } from '../../src/features/index.js';
import { erase, prove, tagColumns, type ErasureReport } from '../../src/governance/index.js';
import { openQuarantine } from '../../src/ingest/quarantine/quarantine-table.js';
import { recordLineage } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { assertRead, ReferenceReaders, referencePython, referenceReadersAvailable } from '../support/reference-readers.js';
import { SparkSession, sparkAvailable } from '../support/spark.js';
import { tempDir } from '../support/temp.js';

const SUBJECTS = 100;
const KEPT = 200;
const id = (i: number) => `${i < SUBJECTS ? 'subject' : 'kept'}-${String(i).padStart(4, '0')}-7f3a`;
const email = (i: number) => `${i < SUBJECTS ? 'erase' : 'keep'}${String(i).padStart(4, '0')}@people.example`;
const subjectIds = Array.from({ length: SUBJECTS }, (_, i) => id(i));
const subjectEmails = Array.from({ length: SUBJECTS }, (_, i) => email(i));
const plantedValues = [...subjectIds, ...subjectEmails];

/** Every user, as SQL rows (i, user_id, email). */
const usersSql = `SELECT i, CASE WHEN i < ${SUBJECTS} THEN 'subject' ELSE 'kept' END || '-' || lpad(i::VARCHAR, 4, '0') || '-7f3a' AS user_id,
  CASE WHEN i < ${SUBJECTS} THEN 'erase' ELSE 'keep' END || lpad(i::VARCHAR, 4, '0') || '@people.example' AS email
  FROM range(${SUBJECTS + KEPT}) t(i)`;

const REPOSITORY: FeatureRepository = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
  featureViews: [
    {
      name: 'user_stats',
      entities: ['user'],
      source: { kind: 'table', table: 'user_stats', timestampField: 'ts' },
      features: [
        { name: 'f0', type: 'double' },
        { name: 'f1', type: 'double' },
      ],
    },
  ],
};

/** The tables' rows other than the subjects', sorted, to compare before and after. */
const KEPT_ROWS: Record<string, string> = {
  users: `user_id NOT LIKE 'subject-%'`,
  events: `user_id NOT LIKE 'subject-%'`,
  orders: `user_id NOT LIKE 'subject-%'`,
  user_stats: `user_id NOT LIKE 'subject-%'`,
  profiles: `owner NOT LIKE 'subject-%'`,
  churn_train: `user_id NOT LIKE 'subject-%'`,
  churn__predictions: `entities NOT LIKE '%subject-%'`,
  users__quarantine: `payload NOT LIKE '%subject-%'`,
};

async function rowsOf(engine: Engine, project: Project, table: string, where: string): Promise<string[]> {
  const t = await DeltaTable.open(project.tablePath(table, { internal: true }), { engine, stores: project.stores });
  const rows = await engine.query(`SELECT * FROM (${await (await t.scan()).sql()}) AS t WHERE ${where}`);
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
}

/** An independent byte scan of every file under the project: raw bytes, and Parquet rows decoded by DuckDB. */
async function independentScan(engine: Engine, root: string): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        const bytes = await readFile(full);
        if (plantedValues.some((v) => bytes.includes(Buffer.from(v)))) hits.push(`bytes ${path.relative(root, full)}`);
        if (entry.name.endsWith('.parquet')) {
          const [row] = await engine.query(
            `SELECT count(*) AS n FROM read_parquet(${quoteLiteral(full)}) AS t WHERE regexp_matches(CAST(t AS VARCHAR), 'subject-[0-9]{4}-7f3a|erase[0-9]{4}@people')`,
          );
          if (Number(row?.['n']) > 0) hits.push(`parquet ${path.relative(root, full)}`);
        }
      }
    }
  };
  await walk(root);
  return hits;
}

/**
 * Issue 20's erasure proof: 100 planted subjects across tables partitioned and not, with and
 * without deletion vectors (some of their rows already hidden by one), one checkpointed, a
 * table derived by SQL (lineage), a quarantine, a saved training set, the online store and
 * the prediction log. After `erase` no file under the project holds their ids or emails.
 */
describe('erase', () => {
  let engine: Engine;
  let project: Project;
  const before: Record<string, string[]> = {};
  let report: ErasureReport;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    project = await Project.init(path.join(await tempDir('aquifer-erase-'), 'shop'), 'shop');
    const recorder = recordLineage(project, engine);
    const create = (name: string, sql: string, options: { partitionColumns?: string[]; properties?: Record<string, string> } = {}) =>
      DeltaTable.create(project.tablePath(name, { internal: true }), { engine, stores: project.stores, data: { sql }, ...options }).then((c) => c.table);

    // users: unpartitioned, copy-on-write, email tagged pii:email.
    const users = await create('users', `SELECT user_id, email, CASE i % 3 WHEN 0 THEN 'fr' WHEN 1 THEN 'de' ELSE 'nl' END AS country FROM (${usersSql})`);
    await tagColumns(users, { email: ['pii:email'], user_id: ['pii:id'] });
    // events: partitioned by day, deletion vectors, three appends; some subject rows already deleted (hidden by a vector).
    const eventsSql = (d: number) => `SELECT user_id, 'click-' || (i % 7) AS event, DATE '2024-05-0${d}' AS day FROM (${usersSql})`;
    const events = await create('events', eventsSql(1), { partitionColumns: ['day'], properties: { 'delta.enableDeletionVectors': 'true' } });
    await events.append({ sql: eventsSql(2) });
    await events.append({ sql: eventsSql(3) });
    await events.delete(`user_id < 'subject-0010' AND day = DATE '2024-05-02'`);
    // orders: partitioned by country, copy-on-write, change data feed on.
    const orders = await create(
      'orders',
      `SELECT user_id, (i * 7 % 100) + 0.5 AS amount, CASE i % 2 WHEN 0 THEN 'fr' ELSE 'de' END AS country FROM (${usersSql})`,
      { partitionColumns: ['country'], properties: { 'delta.enableChangeDataFeed': 'true' } },
    );
    await orders.append({ sql: `SELECT user_id, 1.25 AS amount, 'fr' AS country FROM (${usersSql}) WHERE i % 5 = 0` });
    // user_stats: the feature view's source, deletion vectors, checkpointed every two commits.
    const statsSql = (day: number) =>
      `SELECT user_id, TIMESTAMPTZ '2024-05-0${day} 00:00:00+00' AS ts, (i % 10) / ${day}.0 AS f0, (i % 7) * ${day}.0 AS f1 FROM (${usersSql})`;
    const stats = await create('user_stats', statsSql(1), { properties: { 'delta.enableDeletionVectors': 'true', 'delta.checkpointInterval': '2' } });
    await stats.append({ sql: statsSql(2) });
    await stats.append({ sql: statsSql(3) });
    // profiles: derived from users by a SQL MERGE, the id under another name (found through column lineage).
    const profiles = await create('profiles', `SELECT ''::VARCHAR AS owner, ''::VARCHAR AS email_norm, ''::VARCHAR AS country WHERE false`);
    await profiles.merge({
      source: { sql: `SELECT user_id AS owner, lower(email) AS email_norm, country FROM (${await (await users.scan()).sql()})` },
      on: 'target.owner = source.owner',
      whenNotMatched: [{ insert: { owner: 'source.owner', email_norm: 'source.email_norm', country: 'source.country' } }],
    });
    // The quarantine of users: records kept as JSON payloads.
    const quarantine = await openQuarantine(project.tablePath('users'), engine, {}, project.stores);
    await quarantine.append({
      sql: `SELECT 'r' || i AS record_id, TIMESTAMPTZ '2024-05-01 00:00:00+00' AS quarantined_at, 'users' AS target_table, 'schema' AS reason,
        NULL::VARCHAR AS message, 'file' AS source_kind, 'users.csv' AS source,
        json_object('user_id', user_id, 'email', email, 'age', 'x') AS payload FROM (${usersSql}) WHERE i % 4 = 0`,
    });
    // The prediction log: entity keys and features as JSON, as the serving path writes them.
    await create(
      'churn__predictions',
      `SELECT 'req-' || i AS request_id, 0::BIGINT AS row_index, TIMESTAMP '2024-06-01 00:00:00' AS time, 'churn' AS model, '1' AS version,
        json_object('user_id', user_id) AS entities, json_object('f0', (i % 10) / 3.0) AS features, '0' AS prediction, '{}' AS outputs
        FROM (${usersSql})`,
    );
    // A saved training set, and the online store.
    await writeFile(project.featuresPath, JSON.stringify(REPOSITORY));
    const online = openOnlineStore(project);
    const store = await openFeatureStore(project, engine, online);
    const set = await store.historicalFeatures({
      entityRows: { sql: `SELECT user_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp, (i % 2) AS label FROM (${usersSql})` },
      features: ['user_stats:f0', 'user_stats:f1'],
    });
    await set.save(project.tablePath('churn_train'));
    await store.materialize('2024-04-01T00:00:00Z', '2024-06-01T00:00:00Z');
    await online.close();
    await recorder.close();

    for (const [table, where] of Object.entries(KEPT_ROWS)) before[table] = await rowsOf(engine, project, table, where);
  }, 120_000);

  afterAll(async () => {
    project?.close();
    engine?.close();
  });

  it('the scan finds the planted values in every table before the erasure', async () => {
    const proof = await prove(project, engine, plantedValues);
    const tables = new Set(proof.hits.map((h) => h.path.split(path.sep).slice(0, 2).join('/')));
    for (const t of Object.keys(KEPT_ROWS)) expect(tables).toContain(`tables/${t}`);
    expect(tables).toContain('.aquifer/online');
  }, 60_000);

  it('a dry run lists every place and changes nothing', async () => {
    const dry = await erase(project, engine, { entities: subjectIds.map((value) => ({ column: 'user_id', value })) }, { dryRun: true });
    const places = Object.fromEntries(dry.tables.map((t) => [t.name, t]));
    expect(Object.keys(places).sort()).toEqual(Object.keys(KEPT_ROWS).sort());
    expect(places['users']).toMatchObject({ kind: 'table', rows: SUBJECTS, matchedOn: ['user_id'] });
    expect(places['events']?.rows).toBe(3 * SUBJECTS - 10);
    expect(places['profiles']).toMatchObject({ rows: SUBJECTS, matchedOn: ['owner (derived from user_id)'] });
    expect(places['users__quarantine']).toMatchObject({ kind: 'quarantine', rows: SUBJECTS / 4, matchedOn: ['payload.user_id'] });
    expect(places['churn__predictions']).toMatchObject({ kind: 'predictions', rows: SUBJECTS, matchedOn: ['entities.user_id'] });
    expect(places['churn_train']).toMatchObject({ kind: 'training-set', rows: SUBJECTS });
    expect(dry.online).toEqual([{ view: 'user_stats', keys: SUBJECTS, stored: SUBJECTS }]);
    // The ids, and the emails the users table tags pii:email.
    expect(dry.values).toBe(2 * SUBJECTS);
    expect(await rowsOf(engine, project, 'users', 'true')).toHaveLength(SUBJECTS + KEPT);
  }, 60_000);

  it('erases every copy: the byte scan finds none of the values, every other row is unchanged', async () => {
    report = await erase(project, engine, { entities: subjectIds.map((value) => ({ column: 'user_id', value })) });
    expect(report.proof?.hits).toEqual([]);
    expect(report.tables.every((t) => t.purged !== undefined)).toBe(true);
    expect(report.online[0]?.deleted).toBe(SUBJECTS);
    expect(await independentScan(engine, project.root)).toEqual([]);
    for (const [table, where] of Object.entries(KEPT_ROWS)) {
      expect(await rowsOf(engine, project, table, 'true'), table).toEqual(before[table]);
      expect(await rowsOf(engine, project, table, where), table).toEqual(before[table]);
    }
    const online = LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
    try {
      const read = await online.read(
        'user_stats',
        [id(0), id(50), id(SUBJECTS), id(SUBJECTS + 1)].map((v) => entityKey([v])),
      );
      expect(read.map((r) => r !== undefined)).toEqual([false, false, true, true]);
    } finally {
      await online.close();
    }
  }, 120_000);

  it('a training set it touched cannot be recreated from its pinned versions, and says why', async () => {
    const store = await openFeatureStore(project, engine, undefined);
    {
      await expect(store.recreateTrainingSet(project.tablePath('churn_train'))).rejects.toMatchObject({ code: 'FEATURE_TRAINING_SET_ERASED' });
      const latest = await store.recreateTrainingSet(project.tablePath('churn_train'), { tables: 'latest' });
      expect(await latest.count()).toBe(KEPT);
    }
  }, 60_000);

  it('records the zero-retention vacuum in the log as Delta does', async () => {
    const users = await DeltaTable.open(project.tablePath('users'), { engine });
    const history = await users.history();
    const operations = history.map((h) => h.operation);
    expect(operations).toEqual(['VACUUM END', 'VACUUM START']);
    const start = history.find((h) => h.operation === 'VACUUM START');
    expect(start?.operationParameters).toMatchObject({ retentionCheckEnabled: false, specifiedRetentionMillis: 0 });
  });

  it.runIf(referenceReadersAvailable())(
    'delta-rs reads every erased table',
    async () => {
      const readers = new ReferenceReaders(referencePython() as string, await tempDir('aquifer-erase-rs-'));
      for (const table of Object.keys(KEPT_ROWS)) {
        // Through DataFusion: delta-rs's pyarrow reader refuses deletion vectors.
        const read = await readers.read(project.tablePath(table, { internal: true }), 'deltalake-sql');
        assertRead(read);
        expect(read.rows, table).toBe(before[table]?.length);
      }
    },
    120_000,
  );

  it.runIf(sparkAvailable())(
    'Spark reads every erased table',
    async () => {
      const spark = await SparkSession.start();
      try {
        for (const table of Object.keys(KEPT_ROWS)) {
          const [row] = await spark.query(`SELECT count(*) AS n FROM delta.\`${project.tablePath(table, { internal: true })}\``);
          expect(row?.['n'], table).toBe(before[table]?.length);
        }
      } finally {
        await spark.stop();
      }
    },
    300_000,
  );
});
