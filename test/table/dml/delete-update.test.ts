import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;

beforeAll(() => {
  engine = fixture.engine();
});

/** 300 rows over three partitions, each partition in two files (two commits). */
const ROWS = (from: number, to: number) =>
  `SELECT i AS id, 'p' || (i % 3) AS part, CASE WHEN i % 10 = 0 THEN NULL ELSE i * 2 END AS v FROM range(${from}, ${to}) t(i)`;

async function table(deletionVectors: boolean): Promise<DeltaTable> {
  const { table } = await DeltaTable.create(location(), {
    engine,
    data: { sql: ROWS(0, 150) },
    partitionColumns: ['part'],
    properties: deletionVectors ? { 'delta.enableDeletionVectors': 'true' } : {},
  });
  await table.append({ sql: ROWS(150, 300) });
  return table;
}

async function ids(t: DeltaTable, version?: number): Promise<number[]> {
  const scan = await t.scan(version === undefined ? {} : { version });
  return (await engine.query(`SELECT id FROM (${await scan.sql()}) ORDER BY id`)).map((r) => Number(r['id']));
}

const range = (from: number, to: number, keep: (i: number) => boolean = () => true) => Array.from({ length: to - from }, (_, k) => from + k).filter(keep);

describe.each([
  ['copy on write', false],
  ['deletion vectors', true],
])('delete and update with %s', (_name, deletionVectors) => {
  it('deletes the rows a predicate selects in one commit, leaving rows where it is NULL and earlier versions intact', async () => {
    const t = await table(deletionVectors);
    const before = await t.snapshot();
    const result = await t.delete("part = 'p1' AND v > 100");
    expect(result).toMatchObject({ committed: true, version: 2, rowsDeleted: range(0, 300, (i) => i % 3 === 1 && i % 10 !== 0 && i * 2 > 100).length });
    expect(await ids(t)).toEqual(range(0, 300, (i) => !(i % 3 === 1 && i % 10 !== 0 && i * 2 > 100)));
    expect(await ids(t, 1)).toEqual(range(0, 300));
    const after = await t.snapshot();
    // Only p1's two files were touched; the others are the same files as before.
    const untouched = before.files.filter((f) => f.partitionValues['part'] !== 'p1').map((f) => f.path);
    expect(
      after.files
        .filter((f) => f.partitionValues['part'] !== 'p1')
        .map((f) => f.path)
        .sort(),
    ).toEqual(untouched.sort());
    if (deletionVectors) {
      expect(after.files.filter((f) => f.deletionVector !== undefined)).toHaveLength(2);
      expect(after.files.map((f) => f.path).sort()).toEqual(before.files.map((f) => f.path).sort());
      expect(after.protocol.readerFeatures).toContain('deletionVectors');
      expect(JSON.parse(after.files.find((f) => f.deletionVector !== undefined)?.stats ?? '{}')).toMatchObject({ tightBounds: false });
    } else {
      expect(after.files.every((f) => f.deletionVector === undefined)).toBe(true);
    }
    const [entry] = await t.history({ limit: 1 });
    expect(entry).toMatchObject({ operation: 'DELETE', operationParameters: { predicate: JSON.stringify(["part = 'p1' AND v > 100"]) } });
  });

  it('deletes again from already-changed files, removes files that lose every row, and commits nothing when nothing matches', async () => {
    const t = await table(deletionVectors);
    await t.delete('id < 10');
    await t.delete('id < 20');
    expect(await ids(t)).toEqual(range(20, 300));
    await t.delete("part = 'p0'");
    expect((await t.snapshot()).files.some((f) => f.partitionValues['part'] === 'p0')).toBe(false);
    const version = (await t.snapshot()).version;
    expect(await t.delete('id > 10000')).toMatchObject({ committed: false, version, rowsDeleted: 0 });
    expect((await t.snapshot()).version).toBe(version);
    expect(await t.delete()).toMatchObject({ committed: true, rowsDeleted: range(20, 300, (i) => i % 3 !== 0).length });
    expect(await ids(t)).toEqual([]);
  });

  it('updates the selected rows with SQL expressions cast to the column types, moving rows between partitions', async () => {
    const t = await table(deletionVectors);
    const result = await t.update({ set: { v: 'v + 0.4', part: "CASE WHEN id < 5 THEN 'moved' ELSE part END" }, where: 'id < 10' });
    expect(result).toMatchObject({ committed: true, rowsUpdated: 10 });
    const rows = await engine.query(`SELECT id, part, v FROM (${await (await t.scan()).sql()}) WHERE id < 12 ORDER BY id`);
    expect(rows.map((r) => [Number(r['id']), r['part'], r['v'] === null ? null : Number(r['v'])])).toEqual([
      [0, 'moved', null],
      [1, 'moved', 2],
      [2, 'moved', 4],
      [3, 'moved', 6],
      [4, 'moved', 8],
      [5, 'p2', 10],
      [6, 'p0', 12],
      [7, 'p1', 14],
      [8, 'p2', 16],
      [9, 'p0', 18],
      [10, 'p1', null],
      [11, 'p2', 22],
    ]);
    expect(await ids(t)).toEqual(range(0, 300));
    expect(await (await t.scan({ where: "part = 'moved'" })).count()).toBe(5);
    const [entry] = await t.history({ limit: 1 });
    expect(entry?.operation).toBe('UPDATE');
  });

  it('refuses bad updates with typed errors and commits nothing', async () => {
    const t = await table(deletionVectors);
    await expect(t.update({ set: { nope: '1' } })).rejects.toMatchObject({ code: 'TABLE_COLUMN_NOT_FOUND', value: 'nope' });
    await expect(t.update({ set: { v: 'no_such_column + 1' }, where: 'id = 1' })).rejects.toMatchObject({ code: 'UPDATE_INVALID' });
    await expect(t.update({ set: { v: "'abc'" }, where: 'id = 1' })).rejects.toThrow();
    await expect(t.delete('no_such_column = 1')).rejects.toMatchObject({ code: 'TABLE_PREDICATE_INVALID' });
    expect((await t.snapshot()).version).toBe(1);
  });
});

describe('deletion vectors on disk', () => {
  it('packs the vectors of one change into one file beside the data, leaving data files untouched', async () => {
    const t = await table(true);
    const dataBefore = (await readdir(path.join(t.location, 'part=p1'))).sort();
    await t.delete('id % 2 = 0');
    const files = await readdir(t.location);
    expect(files.filter((f) => f.startsWith('deletion_vector_') && f.endsWith('.bin'))).toHaveLength(1);
    expect((await readdir(path.join(t.location, 'part=p1'))).sort()).toEqual(dataBefore);
    const snapshot = await t.snapshot();
    const offsets = snapshot.files.map((f) => f.deletionVector?.offset).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(new Set(offsets).size).toBe(snapshot.files.length);
    expect(snapshot.files.reduce((n, f) => n + (f.deletionVector?.cardinality ?? 0), 0)).toBe(150);
  });
});
