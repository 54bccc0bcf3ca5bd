import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { copyWithDigest, rowsDigest } from '../../../src/models/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let dir: string;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  dir = await tempDir('aquifer-rows-digest-');
});
afterAll(() => engine?.close());

/** Every Delta type a training set can hold, with nulls, a partition column and nested values. */
const ROWS = `SELECT
    i::TINYINT AS b, i::SMALLINT AS s, i::INTEGER AS n, (i * 1000000007)::BIGINT AS l,
    (i / 3)::FLOAT AS f, (i / 7)::DOUBLE AS d, (i * 1.25)::DECIMAL(9, 2) AS small_dec, (i * 12345.678901)::DECIMAL(38, 10) AS big_dec,
    i % 2 = 0 AS flag, 'user ' || i AS name, CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' || i END AS maybe,
    ('\\x' || lpad(to_hex(i), 2, '0'))::BLOB AS raw, DATE '2024-01-01' + i::INTEGER AS day,
    TIMESTAMPTZ '2024-05-01 00:00:00.123456+00' + to_seconds(i * 3601) AS ts, TIMESTAMP '2024-05-01 12:00:00' + to_seconds(i) AS ts_ntz,
    [i, i + 1] AS list, {'a': i, 'b': 'v' || i} AS st, MAP {'k' || i: i::DOUBLE} AS m, 'p' || (i % 3) AS part
  FROM range(50) t(i)`;

describe('copyWithDigest', () => {
  it('digests the Parquet it writes exactly as the rows of the table it copies, for every type a table holds', async () => {
    const { table } = await DeltaTable.create(path.join(dir, 'typed'), { engine, data: { sql: ROWS }, partitionColumns: ['part'] });
    const sql = await (await table.scan()).sql();
    const copied = await copyWithDigest(engine, sql, path.join(dir, 'typed.parquet'));
    expect(copied).toEqual(await rowsDigest(engine, sql));
    expect(copied.rows).toBe(50);
    const back = await engine.query(`SELECT count(*) AS n FROM read_parquet('${path.join(dir, 'typed.parquet')}')`);
    expect(Number(back[0]?.['n'])).toBe(50);
  });

  it('reads no hive partition column out of a folder named like one', async () => {
    const sql = `SELECT i AS n FROM range(5) t(i)`;
    const file = path.join(dir, 'split=train', 'part.parquet');
    await mkdir(path.dirname(file), { recursive: true });
    expect(await copyWithDigest(engine, sql, file)).toEqual(await rowsDigest(engine, sql));
  });

  it('digests no rows as zero rows with the digest of nothing', async () => {
    const sql = `SELECT i AS n FROM range(0) t(i)`;
    expect(await copyWithDigest(engine, sql, path.join(dir, 'empty.parquet'))).toEqual(await rowsDigest(engine, sql));
  });
});
