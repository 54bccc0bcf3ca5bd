import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { TAGS_KEY, tagColumns, tagsOf } from '../../src/governance/index.js';
import { DeltaTable, type StructField } from '../../src/table/index.js';
import { SparkSession, sparkAvailable } from '../support/spark.js';
import { tempDir } from '../support/temp.js';

/** Spark with Delta 4.0, the reference implementation, reads a tagged table, and its own writes keep the tags. */
describe.runIf(sparkAvailable())('a tagged table and Spark (Delta 4.0)', () => {
  let engine: Engine;
  let spark: SparkSession;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    spark = await SparkSession.start();
  }, 300_000);

  afterAll(async () => {
    await spark?.stop();
    engine?.close();
  });

  it("reads the rows; Spark's INSERT and ALTER COLUMN COMMENT keep the tags beside its own metadata", async () => {
    const root = path.join(await tempDir('aquifer-tags-spark-'), 'users');
    const { table } = await DeltaTable.create(root, { engine, data: { sql: "SELECT 1 AS id, 'a@x.org' AS email" } });
    await tagColumns(table, { email: ['pii:email'] });
    const answer = await spark.send({
      op: 'sql',
      statements: [
        `SELECT id, email FROM delta.\`${root}\``,
        `INSERT INTO delta.\`${root}\` VALUES (2, 'b@x.org')`,
        `ALTER TABLE delta.\`${root}\` ALTER COLUMN email COMMENT 'the login'`,
        `SELECT count(*) AS n FROM delta.\`${root}\``,
      ],
    });
    expect(answer.ok, answer.error).toBe(true);
    expect(answer.results?.[0]).toEqual([{ id: 1, email: 'a@x.org' }]);
    expect(answer.results?.[3]).toEqual([{ n: 2 }]);
    const email = (await table.snapshot()).schema.fields.find((f) => f.name === 'email') as StructField;
    expect(email.metadata).toEqual({ comment: 'the login', [TAGS_KEY]: '["pii:email"]' });
    expect(tagsOf(email.metadata)).toEqual(['pii:email']);
  }, 300_000);
});
