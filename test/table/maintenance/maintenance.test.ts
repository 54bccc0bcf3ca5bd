import { execFile } from 'node:child_process';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../src/engine/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { AUTO_COMPACT_MIN_FILES, AUTO_COMPACT_PROPERTY, optimizeTable } from '../../../src/table/maintenance/index.js';
import { referencePython, referenceReadersAvailable } from '../../support/reference-readers.js';
import { tableFixture } from '../../support/table-fixture.js';

const fixture = tableFixture();
const location = fixture.location;
let engine: Engine;

beforeAll(() => {
  engine = fixture.engine();
});

const rows = (from: number, to: number) => `SELECT i AS id, 'p' || (i % 2) AS part, i * 3 AS v FROM range(${from}, ${to}) t(i)`;

async function smallFiles(properties: Record<string, string> = {}): Promise<DeltaTable> {
  const { table } = await DeltaTable.create(location(), { engine, data: { sql: rows(0, 100) }, partitionColumns: ['part'], properties });
  for (let k = 1; k < 8; k++) await table.append({ sql: rows(k * 100, (k + 1) * 100) });
  return table;
}

async function content(t: DeltaTable, version?: number): Promise<string> {
  const scan = await t.scan(version === undefined ? {} : { version });
  const result = await engine.query(`SELECT count(*) AS n, sum(id) AS s, sum(v) AS w FROM (${await scan.sql()})`);
  return JSON.stringify(result[0], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

describe('optimize', () => {
  it("compacts each partition's small files into one, changing no data, and has nothing left to do after", async () => {
    const t = await smallFiles();
    const before = await content(t);
    const result = await t.optimize();
    expect(result).toMatchObject({ committed: true, filesRemoved: 16, filesAdded: 2, partitionsOptimized: 2 });
    const snapshot = await t.snapshot();
    expect(snapshot.files).toHaveLength(2);
    expect(snapshot.files.every((f) => f.dataChange === false)).toBe(true);
    expect(await content(t)).toBe(before);
    const [entry] = await t.history({ limit: 1 });
    expect(entry).toMatchObject({ operation: 'OPTIMIZE', operationMetrics: { numRemovedFiles: '16', numAddedFiles: '2' } });
    expect(await t.optimize()).toMatchObject({ committed: false, version: snapshot.version });
  });

  it('compacts only the partitions a predicate names, and respects the target size', async () => {
    const t = await smallFiles();
    await t.optimize({ where: "part = 'p0'" });
    const files = (await t.snapshot()).files;
    expect(files.filter((f) => f.partitionValues['part'] === 'p0')).toHaveLength(1);
    expect(files.filter((f) => f.partitionValues['part'] === 'p1')).toHaveLength(8);
    const sizes = files.filter((f) => f.partitionValues['part'] === 'p1').map((f) => f.size);
    const tiny = await t.optimize({ targetFileSize: Math.max(...sizes) * 2 + 1 });
    expect(tiny.filesAdded).toBeGreaterThan(1);
  });

  it('folds deletion vectors into the rewritten files', async () => {
    const t = await smallFiles({ 'delta.enableDeletionVectors': 'true' });
    await t.delete('id % 3 = 0');
    const before = await content(t);
    expect((await t.snapshot()).files.some((f) => f.deletionVector !== undefined)).toBe(true);
    const result = await t.optimize();
    expect(result.deletionVectorsRemoved).toBeGreaterThan(0);
    expect((await t.snapshot()).files.every((f) => f.deletionVector === undefined)).toBe(true);
    expect(await content(t)).toBe(before);
  });

  it('commits past a concurrent append (compaction reads only its own files), and conflicts with a concurrent delete of them', async () => {
    const t = await smallFiles();
    const stale = await t.snapshot();
    await (await DeltaTable.open(t.location, { engine })).append({ sql: rows(800, 810) });
    await optimizeTable(engine, t.store, t.writer(), stale, t.location);
    expect(await (await t.scan()).count()).toBe(810);

    const u = await smallFiles();
    const old = await u.snapshot();
    await (await DeltaTable.open(u.location, { engine })).delete('id = 5');
    await expect(optimizeTable(engine, u.store, u.writer(), old, u.location)).rejects.toMatchObject({ code: 'COMMIT_CONFLICT' });
    expect(await (await u.scan()).count()).toBe(799);
  });
});

describe('auto compaction (delta.autoOptimize.autoCompact)', () => {
  const tiny = (k: number) => `SELECT ${k} AS id, 'p' || (${k} % 2) AS part, ${k} * 3 AS v`;

  it('compacts a partition once it holds AUTO_COMPACT_MIN_FILES small files, as an OPTIMIZE marked auto, changing no data', async () => {
    const { table: t } = await DeltaTable.create(location(), {
      engine,
      data: { sql: tiny(0) },
      partitionColumns: ['part'],
      properties: { [AUTO_COMPACT_PROPERTY]: 'true' },
    });
    // Partition p0 gets every even write: its 50th small file arrives with k = 98.
    for (let k = 1; k < 98; k++) await t.append({ sql: tiny(k) });
    expect((await t.history({ limit: 1 }))[0]?.operation).toBe('WRITE');
    const before = await content(t);
    await t.append({ sql: tiny(98) });
    const [compaction, write] = await t.history({ limit: 2 });
    expect(write?.operation).toBe('WRITE');
    expect(compaction).toMatchObject({
      operation: 'OPTIMIZE',
      operationParameters: { auto: 'true' },
      operationMetrics: { numRemovedFiles: String(AUTO_COMPACT_MIN_FILES) },
    });
    const files = (await t.snapshot()).files;
    expect(files.filter((f) => f.partitionValues['part'] === 'p0')).toHaveLength(1);
    expect(files.filter((f) => f.partitionValues['part'] === 'p1')).toHaveLength(49);
    expect(Number((JSON.parse(await content(t)) as { n: string }).n)).toBe(99);
    expect(Number((JSON.parse(before) as { n: string }).n)).toBe(98);
    // The next 50 small files of p0 are compacted alone: the file the first compaction wrote is not written again.
    for (let k = 99; k <= 198; k++) await t.append({ sql: tiny(k) });
    const [second] = await t.history({ limit: 1 });
    expect(second).toMatchObject({ operation: 'OPTIMIZE', operationMetrics: { numRemovedFiles: String(AUTO_COMPACT_MIN_FILES) } });
    expect((await t.snapshot()).files.filter((f) => f.partitionValues['part'] === 'p0')).toHaveLength(2);
  });

  it('leaves a table without the property alone', async () => {
    const { table: t } = await DeltaTable.create(location(), { engine, data: { sql: tiny(0) } });
    for (let k = 1; k < 60; k++) await t.append({ sql: tiny(k) });
    expect((await t.snapshot()).files).toHaveLength(60);
    expect((await t.history()).some((entry) => entry.operation === 'OPTIMIZE')).toBe(false);
  });

  it.runIf(referenceReadersAvailable())('leaves a table delta-rs reads whole, with the compaction in its history', async () => {
    const { table: t } = await DeltaTable.create(location(), { engine, data: { sql: tiny(0) }, properties: { [AUTO_COMPACT_PROPERTY]: 'true' } });
    for (let k = 1; k < 55; k++) await t.append({ sql: tiny(k) });
    expect((await t.snapshot()).files.length).toBeLessThan(10);
    const script =
      'import sys, json\nfrom deltalake import DeltaTable\nt = DeltaTable(sys.argv[1])\nrows = t.to_pyarrow_table().to_pydict()\nprint(json.dumps({"ids": sorted(rows["id"]), "ops": [h["operation"] for h in t.history()]}), flush=True)\n' +
      // As test/support/reference_read.py: delta-rs can abort while its threads are torn down at exit, after the answer.
      'import os\nos._exit(0)';
    const { stdout } = await promisify(execFile)(referencePython() as string, ['-c', script, t.location]);
    const theirs = JSON.parse(stdout) as { ids: number[]; ops: string[] };
    expect(theirs.ids).toEqual(Array.from({ length: 55 }, (_, k) => k));
    expect(theirs.ops).toContain('OPTIMIZE');
  });
});

describe('vacuum', () => {
  it("refuses a retention below the table's unless forced, and deletes nothing within the retention", async () => {
    const t = await smallFiles();
    await t.optimize();
    await expect(t.vacuum({ retentionHours: 1 })).rejects.toMatchObject({ code: 'VACUUM_RETENTION_TOO_SHORT' });
    expect(await t.vacuum()).toMatchObject({ files: [], retentionHours: 168 });
  });

  it('deletes the files no version within the retention needs, and orphans, but never hidden files or live files', async () => {
    const t = await smallFiles();
    const before = await content(t);
    await t.optimize();
    await mkdir(path.join(t.location, '_staging', 'x'), { recursive: true });
    await writeFile(path.join(t.location, '_staging', 'x', 'leftover.parquet'), 'x');
    await writeFile(path.join(t.location, '.hidden'), 'x');
    await writeFile(path.join(t.location, 'part=p0', 'orphan.parquet'), 'not referenced');
    // Vacuum takes files written before its start; one written in the same millisecond is not, so the orphan is dated a minute back.
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(path.join(t.location, 'part=p0', 'orphan.parquet'), minuteAgo, minuteAgo);
    // Retention 0: every removed file has expired, as has everything written before now.
    const dry = await t.vacuum({ retentionHours: 0, force: true, dryRun: true });
    expect(dry.files.sort()).toHaveLength(17);
    expect(dry.files).toContain('part=p0/orphan.parquet');
    expect(dry.files.some((f) => f.startsWith('_') || f.startsWith('.'))).toBe(false);
    const live = (await t.snapshot()).files.map((f) => decodeURIComponent(f.path));
    expect(dry.files.some((f) => live.includes(f))).toBe(false);
    const done = await t.vacuum({ retentionHours: 0, force: true });
    expect(done.files.sort()).toEqual(dry.files.sort());
    expect(await content(t)).toBe(before);
    await expect((await t.scan({ version: 0 })).count()).rejects.toMatchObject({ code: 'TABLE_DATA_FILE_MISSING' });
  });

  it.runIf(referenceReadersAvailable())(
    "would delete exactly what delta-rs's full vacuum deletes: expired removes, deletion-vector files, orphans",
    async () => {
      const t = await smallFiles({ 'delta.enableDeletionVectors': 'true' });
      await t.delete('id % 5 = 0');
      await t.overwrite({ sql: `SELECT * FROM (${rows(0, 50)}) WHERE part = 'p1'` }, { where: "part = 'p1'" });
      await t.optimize();
      await writeFile(path.join(t.location, 'part=p0', 'orphan.parquet'), 'not referenced');
      const minuteAgo = new Date(Date.now() - 60_000);
      await utimes(path.join(t.location, 'part=p0', 'orphan.parquet'), minuteAgo, minuteAgo);
      const ours = (await t.vacuum({ retentionHours: 0, force: true, dryRun: true })).files.sort();
      const script =
        'import sys, json\nfrom deltalake import DeltaTable\nprint(json.dumps(sorted(DeltaTable(sys.argv[1]).vacuum(retention_hours=0, dry_run=True, enforce_retention_duration=False, full=True))), flush=True)\nimport os\nos._exit(0)';
      const { stdout } = await promisify(execFile)(referencePython() as string, ['-c', script, t.location]);
      // delta-rs names a file once per tombstone of it (a file removed again with a deletion vector has two): compare the sets.
      const theirs = [...new Set((JSON.parse(stdout) as string[]).map((f) => decodeURIComponent(f)))].sort();
      expect(ours.length).toBeGreaterThan(10);
      expect(ours).toEqual(theirs);
    },
  );
});

describe('restore', () => {
  it("brings back an earlier version's rows and schema in a new commit, keeping history", async () => {
    const { table: t } = await DeltaTable.create(location(), { engine, data: { sql: rows(0, 100) } });
    await t.append({ sql: rows(100, 200) });
    const atOne = await content(t, 1);
    await t.delete('id < 150');
    await t.append({ sql: "SELECT 1000 AS id, 'p9' AS part, 1 AS v, 'extra' AS note" }, { mergeSchema: true });
    const result = await t.restore({ version: 1 });
    expect(result).toMatchObject({ version: 4, restoredVersion: 1 });
    expect(await content(t)).toBe(atOne);
    expect((await t.snapshot()).schema.fields.map((f) => f.name)).toEqual(['id', 'part', 'v']);
    expect((await t.history({ limit: 1 }))[0]?.operation).toBe('RESTORE');
    // The restore is itself undoable.
    await t.restore({ version: 3 });
    expect(await (await t.scan()).count()).toBe(51);
  });

  it('refuses to restore a version whose files were vacuumed', async () => {
    const { table: t } = await DeltaTable.create(location(), { engine, data: { sql: rows(0, 100) } });
    await t.overwrite({ sql: rows(0, 10) });
    await t.vacuum({ retentionHours: 0, force: true });
    await expect(t.restore({ version: 0 })).rejects.toMatchObject({ code: 'TABLE_DATA_FILE_MISSING' });
    expect((await t.snapshot()).version).toBe(1);
  });
});
