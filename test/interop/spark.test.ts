import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { DeltaTable, field, primitive, type StructField } from '../../src/table/index.js';
import { readableFields, rowDifference } from '../support/row-comparison.js';
import { SparkSession, sparkAvailable } from '../support/spark.js';

/**
 * Two-way interop with the reference implementation, Spark with Delta 4.0: Spark reads
 * what Aquifer writes (after merges, deletes with deletion vectors, optimize,
 * checkpoints, schema evolution, column mapping, the change data feed), and Aquifer
 * reads what Spark writes, rows compared exactly in DuckDB. One Spark session serves
 * every case: it is heavy on two cores.
 */
describe.runIf(sparkAvailable())('two-way interop with Spark (Delta 4.0)', () => {
  let engine: Engine;
  let spark: SparkSession;
  let scratch: string;
  let count = 0;
  const next = (name: string) => path.join(scratch, `${name}-${++count}`);

  beforeAll(async () => {
    engine = await Engine.create();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-spark-'));
    spark = await SparkSession.start();
  }, 300_000);

  afterAll(async () => {
    await spark?.stop();
    engine?.close();
    if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
  });

  /** Spark's read of the table (at a version) as a DuckDB relation. */
  async function sparkRead(root: string, version?: number): Promise<string> {
    const output = next('read');
    const answer = await spark.send({ op: 'read', path: root, output, ...(version === undefined ? {} : { version }) });
    if (!answer.ok) throw new Error(`Spark could not read ${root}: ${answer.error}\n${answer.trace ?? ''}`);
    return `read_parquet(${quoteLiteral(`${output}/*.parquet`)})`;
  }

  async function sparkChanges(root: string, from: number, to?: number): Promise<string> {
    const output = next('changes');
    const answer = await spark.send({ op: 'changes', path: root, output, from, ...(to === undefined ? {} : { to }) });
    if (!answer.ok) throw new Error(`Spark could not read the changes of ${root}: ${answer.error}\n${answer.trace ?? ''}`);
    return `read_parquet(${quoteLiteral(`${output}/*.parquet`)})`;
  }

  /** Aquifer's read and Spark's read of a version must be the same multiset of rows, with the same column names. */
  async function expectSameRows(root: string, version?: number): Promise<void> {
    const table = await DeltaTable.open(root, { engine });
    const snapshot = await table.snapshot(version === undefined ? {} : { version });
    const ours = await (await table.scan(version === undefined ? {} : { version })).sql();
    const difference = await rowDifference(engine, readableFields(snapshot), ours, await sparkRead(root, version));
    expect(difference, `Aquifer vs Spark at v${snapshot.version}`).toBeUndefined();
  }

  async function expectSameChanges(root: string, from: number, to?: number): Promise<void> {
    const table = await DeltaTable.open(root, { engine });
    const snapshot = await table.snapshot(to === undefined ? {} : { version: to });
    const changeFields: StructField[] = [
      ...readableFields(snapshot),
      field('_change_type', primitive('string')),
      field('_commit_version', primitive('long')),
      field('_commit_timestamp', primitive('timestamp')),
    ];
    const ours = await table.changes({ from, ...(to === undefined ? {} : { to }) });
    const difference = await rowDifference(engine, changeFields, ours.sql, await sparkChanges(root, from, to));
    expect(difference, `Aquifer's change data feed vs Spark's from v${from}`).toBeUndefined();
  }

  const rows = (from: number, to: number) => `SELECT i::BIGINT AS id, 'p' || (i % 3) AS part, (i * 2)::INTEGER AS v FROM range(${from}, ${to}) t(i)`;

  it('Spark reads what Aquifer writes with deletion vectors, the change data feed and checkpoints: rows at every step and the same change feed', async () => {
    const root = next('aquifer-dv');
    const { table } = await DeltaTable.create(root, {
      engine,
      data: { sql: rows(0, 3000) },
      partitionColumns: ['part'],
      properties: { 'delta.enableDeletionVectors': 'true', 'delta.enableChangeDataFeed': 'true', 'delta.checkpointInterval': '3' },
    });
    await table.append({ sql: rows(3000, 4000) });
    await table.append({ sql: `SELECT *, 'n' || id AS note FROM (${rows(4000, 4500)})` }, { mergeSchema: true });
    await table.delete('id % 7 = 0');
    await table.update({ set: { v: '-v' }, where: "part = 'p1' AND id < 1000" });
    await table.merge({
      source: { sql: `SELECT id, part, v + 1 AS v, id % 5 = 0 AS gone FROM (${rows(3900, 4700)})` },
      on: 'target.id = source.id',
      whenMatched: [{ condition: 'source.gone', delete: true }, { update: { v: 'source.v', note: "'merged'" } }],
      whenNotMatched: [{ insert: { id: 'source.id', part: 'source.part', v: 'source.v', note: "'new'" } }],
    });
    expect((await table.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(true);
    expect(await fs.readdir(path.join(root, '_delta_log'))).toContain('00000000000000000003.checkpoint.parquet');
    for (const version of [undefined, 2, 3, 4]) await expectSameRows(root, version);
    await expectSameChanges(root, 1);
    await table.optimize();
    expect((await table.snapshot()).files.every((f) => f.deletionVector === undefined)).toBe(true);
    await expectSameRows(root);
  }, 300_000);

  it('Spark reads what Aquifer writes with column mapping after renames, drops, copy-on-write merges and a restore', async () => {
    const root = next('aquifer-mapped');
    const { table } = await DeltaTable.create(root, {
      engine,
      data: { sql: rows(0, 2000) },
      partitionColumns: ['part'],
      properties: { 'delta.columnMapping.mode': 'name' },
    });
    await table.renameColumn('v', 'value');
    await table.append({ sql: `SELECT id, part, (-id)::INTEGER AS value, 'x' AS extra FROM (${rows(2000, 2500)})` }, { mergeSchema: true });
    await table.dropColumns(['extra']);
    await table.merge({
      source: { sql: `SELECT id, part, 0 AS value FROM (${rows(1900, 2100)})` },
      on: 'target.id = source.id',
      whenMatched: [{ update: { value: 'source.value' } }],
    });
    await table.renameColumn('part', 'region');
    for (const version of [undefined, 0, 2]) await expectSameRows(root, version);
    await table.restore({ version: 2 });
    await expectSameRows(root);
  }, 300_000);

  it("vacuum deletes the same files as Spark's VACUUM: expired removes, deletion-vector files and orphans, never hidden or live files", async () => {
    const root = next('vacuum');
    const { table } = await DeltaTable.create(root, {
      engine,
      data: { sql: rows(0, 1000) },
      partitionColumns: ['part'],
      properties: { 'delta.enableDeletionVectors': 'true' },
    });
    for (let k = 1; k < 4; k++) await table.append({ sql: rows(k * 1000, (k + 1) * 1000) });
    await table.delete('id % 3 = 0');
    await table.overwrite({ sql: `SELECT * FROM (${rows(0, 300)}) WHERE part = 'p2'` }, { where: "part = 'p2'" });
    await table.optimize();
    await fs.writeFile(path.join(root, 'part=p0', 'orphan.parquet'), 'not referenced');
    await fs.mkdir(path.join(root, '_staging', 'x'), { recursive: true });
    await fs.writeFile(path.join(root, '_staging', 'x', 'left.parquet'), 'hidden');
    const ours = (await table.vacuum({ retentionHours: 0, force: true, dryRun: true })).files.sort();
    const listed = await spark.query(`VACUUM delta.\`${root}\` RETAIN 0 HOURS DRY RUN`);
    const theirs = listed.map((row) => decodeURIComponent(path.relative(root, String(Object.values(row)[0]).replace(/^file:/, '')))).sort();
    expect(ours.length).toBeGreaterThan(10);
    expect(ours).toEqual(theirs);
  }, 300_000);

  it('Aquifer reads what Spark writes: deletion vectors, its checkpoints, MERGE, UPDATE, OPTIMIZE, and its change data feed', async () => {
    const root = next('spark-dv');
    const t = `delta.\`${root}\``;
    await spark.sql(
      `CREATE TABLE ${t} (id BIGINT, part STRING, v INT) USING delta PARTITIONED BY (part) TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', 'delta.enableChangeDataFeed' = 'true')`,
      ...Array.from(
        { length: 11 },
        (_, k) => `INSERT INTO ${t} SELECT id, concat('p', CAST(id % 3 AS STRING)), CAST(id * 2 AS INT) FROM range(${k * 300}, ${(k + 1) * 300})`,
      ),
      `DELETE FROM ${t} WHERE id % 7 = 0`,
      `UPDATE ${t} SET v = -v WHERE part = 'p1' AND id < 900`,
      `MERGE INTO ${t} AS target USING (SELECT id, concat('p', CAST(id % 3 AS STRING)) AS part, CAST(id AS INT) AS v FROM range(3000, 3600)) AS source ON target.id = source.id
         WHEN MATCHED AND source.id % 5 = 0 THEN DELETE WHEN MATCHED THEN UPDATE SET v = source.v WHEN NOT MATCHED THEN INSERT *`,
    );
    const log = await fs.readdir(path.join(root, '_delta_log'));
    expect(log).toContain('00000000000000000010.checkpoint.parquet');
    const snapshot = await (await DeltaTable.open(root, { engine })).snapshot();
    expect(snapshot.files.some((f) => f.deletionVector !== undefined)).toBe(true);
    for (const version of [undefined, 5, 12, 13]) await expectSameRows(root, version);
    await expectSameChanges(root, 10);
    await spark.sql(`OPTIMIZE ${t}`);
    await expectSameRows(root);
  }, 300_000);

  it('Aquifer reads what Spark writes with column mapping after RENAME and DROP COLUMN', async () => {
    const root = next('spark-mapped');
    const t = `delta.\`${root}\``;
    await spark.sql(
      `CREATE TABLE ${t} (id BIGINT, name STRING, score INT, region STRING) USING delta PARTITIONED BY (region) TBLPROPERTIES ('delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')`,
      `INSERT INTO ${t} SELECT id, concat('n', CAST(id AS STRING)), CAST(id AS INT), concat('r', CAST(id % 2 AS STRING)) FROM range(0, 500)`,
      `ALTER TABLE ${t} RENAME COLUMN name TO label`,
      `ALTER TABLE ${t} DROP COLUMN score`,
      `INSERT INTO ${t} SELECT id, 'late', 'r9' FROM range(500, 600)`,
    );
    for (const version of [undefined, 1, 2]) await expectSameRows(root, version);
  }, 300_000);
});
