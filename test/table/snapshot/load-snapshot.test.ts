import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { padVersion } from '../../../src/table/log-segment/index.js';
import { DeltaTable } from '../../../src/table/index.js';

const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'name', type: 'string', nullable: true, metadata: {} },
  ],
});

const T0 = Date.parse('2024-03-01T00:00:00Z');
const HOUR = 3_600_000;

type Line = Record<string, unknown>;

function protocol(minReaderVersion: number, minWriterVersion: number, features?: { reader?: string[]; writer?: string[] }): Line {
  const body: Record<string, unknown> = { minReaderVersion, minWriterVersion };
  if (features?.reader !== undefined) body['readerFeatures'] = features.reader;
  if (features?.writer !== undefined) body['writerFeatures'] = features.writer;
  return { protocol: body };
}

function metaData(configuration: Record<string, string> = {}): Line {
  return {
    metaData: { id: 'test-table', format: { provider: 'parquet', options: {} }, schemaString: SCHEMA, partitionColumns: [], configuration, createdTime: T0 },
  };
}

function add(file: string, time = T0): Line {
  return { add: { path: file, partitionValues: {}, size: 100, modificationTime: time, dataChange: true, stats: '{"numRecords":2}' } };
}

function remove(file: string, time = T0): Line {
  return { remove: { path: file, deletionTimestamp: time, dataChange: true } };
}

function commitInfo(operation: string, timestamp: number): Line {
  return { commitInfo: { timestamp, operation, operationParameters: { mode: 'Append' }, engineInfo: 'hand-written', isBlindAppend: true } };
}

describe('loading snapshots from hand-written logs', () => {
  let engine: Engine;
  let root: string;

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
  });
  afterAll(() => engine.close());

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-snapshot-'));
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** Write one commit file, as JSON lines or raw text, optionally with a modification time. */
  async function commit(version: number, lines: Line[] | string, mtime?: number): Promise<void> {
    const dir = path.join(root, '_delta_log');
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${padVersion(version)}.json`);
    await fs.writeFile(file, typeof lines === 'string' ? lines : lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    if (mtime !== undefined) await fs.utimes(file, new Date(mtime), new Date(mtime));
  }

  const open = () => DeltaTable.open(root, { engine });

  /** Three commits an hour apart: create, add b, remove a. */
  async function threeCommits(): Promise<void> {
    await commit(0, [commitInfo('CREATE TABLE', T0), protocol(1, 2), metaData(), add('a.parquet')], T0);
    await commit(1, [commitInfo('WRITE', T0 + HOUR), add('b.parquet', T0 + HOUR)], T0 + HOUR);
    await commit(2, [commitInfo('DELETE', T0 + 2 * HOUR), remove('a.parquet', T0 + 2 * HOUR)], T0 + 2 * HOUR);
  }

  const filesAt = async (options: { version?: number; timestamp?: Date | string | number } = {}) => {
    const snapshot = await (await open()).snapshot(options);
    return { version: snapshot.version, files: snapshot.files.map((f) => f.path).sort() };
  };

  it('reconstructs the latest version of a hand-written log', async () => {
    await threeCommits();
    const snapshot = await (await open()).snapshot();
    expect(snapshot.version).toBe(2);
    expect(snapshot.latestVersion).toBe(2);
    expect(snapshot.files.map((f) => f.path)).toEqual(['b.parquet']);
    expect(snapshot.schema.fields.map((f) => f.name)).toEqual(['id', 'name']);
    expect(snapshot.timestamp).toBe(T0 + 2 * HOUR);
  });

  it('sees commits written after the latest snapshot was read, through the same table', async () => {
    await threeCommits();
    const table = await open();
    const before = await table.snapshot();
    expect(before.version).toBe(2);
    await commit(3, [add('c.parquet'), remove('b.parquet')]);
    const after = await table.snapshot();
    expect(after.version).toBe(3);
    expect(after.files.map((f) => f.path)).toEqual(['c.parquet']);
    // The earlier snapshot is left as it was.
    expect(before.version).toBe(2);
    expect(before.files.map((f) => f.path)).toEqual(['b.parquet']);
  });

  it('refuses a newer commit that raises the reader version, through the same table', async () => {
    await threeCommits();
    const table = await open();
    expect((await table.snapshot()).version).toBe(2);
    await commit(3, [protocol(4, 7, { reader: [], writer: [] })]);
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'TABLE_PROTOCOL_UNSUPPORTED' });
  });

  it('refuses a corrupt newer commit, through the same table', async () => {
    await threeCommits();
    const table = await open();
    expect((await table.snapshot()).version).toBe(2);
    await commit(3, '{"add":\n');
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'TABLE_LOG_INVALID' });
    // Repaired, the table reads again.
    await commit(3, [add('d.parquet')]);
    expect((await table.snapshot()).files.map((f) => f.path).sort()).toEqual(['b.parquet', 'd.parquet']);
  });

  it('reads a table deleted and created anew at the same place, through the same table', async () => {
    await threeCommits();
    const table = await open();
    expect((await table.snapshot()).version).toBe(2);
    await fs.rm(path.join(root, '_delta_log'), { recursive: true });
    await commit(0, [protocol(1, 2), metaData(), add('new.parquet')]);
    const snapshot = await table.snapshot();
    expect(snapshot.version).toBe(0);
    expect(snapshot.files.map((f) => f.path)).toEqual(['new.parquet']);
  });

  it('reads a table created anew with as many commits as before, through the same table', async () => {
    await commit(0, [protocol(1, 2), metaData(), add('old0.parquet')]);
    await commit(1, [add('old1.parquet')]);
    const table = await open();
    expect((await table.snapshot()).files.map((f) => f.path).sort()).toEqual(['old0.parquet', 'old1.parquet']);
    await fs.rm(path.join(root, '_delta_log'), { recursive: true });
    await commit(0, [protocol(1, 2), metaData(), add('new0.parquet')]);
    await commit(1, [add('new1.parquet')]);
    await commit(2, [add('new2.parquet')]);
    const snapshot = await table.snapshot();
    expect(snapshot.version).toBe(2);
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(['new0.parquet', 'new1.parquet', 'new2.parquet']);
  });

  it('travels to a version', async () => {
    await threeCommits();
    expect(await filesAt({ version: 0 })).toEqual({ version: 0, files: ['a.parquet'] });
    expect(await filesAt({ version: 1 })).toEqual({ version: 1, files: ['a.parquet', 'b.parquet'] });
  });

  it('refuses a version past the latest one', async () => {
    await threeCommits();
    await expect((await open()).snapshot({ version: 3 })).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND' });
  });

  it('reports a folder without a log as no table', async () => {
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });

  it('refuses reader version 4', async () => {
    await commit(0, [protocol(4, 7, { reader: [], writer: [] }), metaData()]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_PROTOCOL_UNSUPPORTED' });
  });

  it('refuses reader version 0', async () => {
    await commit(0, [protocol(0, 2), metaData()]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_PROTOCOL_UNSUPPORTED' });
  });

  it('refuses a protocol raised to reader version 4 in a later commit', async () => {
    await commit(0, [protocol(1, 2), metaData()]);
    await commit(1, [protocol(4, 7, { reader: [], writer: [] })]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_PROTOCOL_UNSUPPORTED' });
    expect((await (await open()).snapshot({ version: 0 })).version).toBe(0);
  });

  it('refuses an unknown reader feature, naming it', async () => {
    await commit(0, [protocol(3, 7, { reader: ['somethingNew'], writer: ['somethingNew'] }), metaData()]);
    const error = await (await open()).snapshot().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TABLE_FEATURE_UNSUPPORTED', value: 'somethingNew' });
  });

  it('names the unknown feature among supported ones', async () => {
    await commit(0, [
      protocol(3, 7, { reader: ['deletionVectors', 'somethingNew', 'columnMapping'], writer: ['deletionVectors', 'somethingNew', 'columnMapping'] }),
      metaData(),
    ]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_FEATURE_UNSUPPORTED', value: 'somethingNew' });
  });

  it('reads reader version 3 when every reader feature is supported', async () => {
    await commit(0, [protocol(3, 7, { reader: ['deletionVectors', 'timestampNtz'], writer: ['deletionVectors', 'timestampNtz'] }), metaData()]);
    expect((await (await open()).snapshot()).version).toBe(0);
  });

  it('refuses reader version 3 without a readerFeatures list', async () => {
    await commit(0, [protocol(3, 7), metaData()]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_PROTOCOL_UNSUPPORTED' });
  });

  it('refuses a log without a protocol or without metadata', async () => {
    await commit(0, [metaData()]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_PROTOCOL_MISSING' });
    await commit(0, [protocol(1, 2)]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_METADATA_MISSING' });
  });

  it('refuses a commit line of invalid JSON', async () => {
    await commit(0, [protocol(1, 2), metaData()]);
    await commit(1, `${JSON.stringify(add('a.parquet'))}\n{"add": {"path": "b.parquet",\n`);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_LOG_INVALID' });
  });

  it('refuses a 0-byte commit instead of reading it as a version that changed nothing', async () => {
    await commit(0, [protocol(1, 2), metaData(), add('a.parquet')]);
    await commit(1, '');
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_LOG_INVALID' });
    // Time travel to before it still works: only the damaged version is refused.
    expect((await (await open()).snapshot({ version: 0 })).files.map((f) => f.path)).toEqual(['a.parquet']);
  });

  it('refuses a 0-byte commit that appears after a snapshot was read, through the same table', async () => {
    await commit(0, [protocol(1, 2), metaData(), add('a.parquet')]);
    const table = await open();
    expect((await table.snapshot()).version).toBe(0);
    await commit(1, '');
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'TABLE_LOG_INVALID' });
  });

  it('refuses a commit line that is JSON but not an object', async () => {
    await commit(0, [protocol(1, 2), metaData()]);
    await commit(1, '[1, 2]\n');
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_LOG_INVALID' });
  });

  it('refuses an add action without a path', async () => {
    await commit(0, [protocol(1, 2), metaData()]);
    await commit(1, [{ add: { partitionValues: {}, size: 1, modificationTime: 0, dataChange: true } }]);
    await expect((await open()).snapshot()).rejects.toMatchObject({ code: 'TABLE_LOG_INVALID' });
  });

  it('reads a version before a corrupt commit', async () => {
    await commit(0, [protocol(1, 2), metaData(), add('a.parquet')]);
    await commit(1, '{oops\n');
    expect(await filesAt({ version: 0 })).toEqual({ version: 0, files: ['a.parquet'] });
  });

  it('skips unknown action types and blank lines', async () => {
    await commit(0, `${JSON.stringify(protocol(1, 2))}\n\n${JSON.stringify(metaData())}\n{"someFutureAction":{"x":1}}\n${JSON.stringify(add('a.parquet'))}\n`);
    expect(await filesAt()).toEqual({ version: 0, files: ['a.parquet'] });
  });

  it('travels to the newest version committed at or before a timestamp', async () => {
    await threeCommits();
    expect(await filesAt({ timestamp: new Date(T0) })).toEqual({ version: 0, files: ['a.parquet'] });
    expect(await filesAt({ timestamp: T0 + HOUR / 2 })).toEqual({ version: 0, files: ['a.parquet'] });
    expect(await filesAt({ timestamp: new Date(T0 + HOUR) })).toEqual({ version: 1, files: ['a.parquet', 'b.parquet'] });
    expect(await filesAt({ timestamp: T0 + HOUR + 1 })).toEqual({ version: 1, files: ['a.parquet', 'b.parquet'] });
    expect(await filesAt({ timestamp: T0 + 2 * HOUR - 1 })).toEqual({ version: 1, files: ['a.parquet', 'b.parquet'] });
    expect(await filesAt({ timestamp: T0 + 2 * HOUR })).toEqual({ version: 2, files: ['b.parquet'] });
    expect(await filesAt({ timestamp: T0 + 1000 * HOUR })).toEqual({ version: 2, files: ['b.parquet'] });
  });

  it('reads timestamp strings without a zone as UTC', async () => {
    await threeCommits();
    expect((await filesAt({ timestamp: '2024-03-01 01:30:00' })).version).toBe(1);
    expect((await filesAt({ timestamp: '2024-03-01T01:30:00Z' })).version).toBe(1);
    expect((await filesAt({ timestamp: '2024-03-01T02:30:00+02:00' })).version).toBe(0);
  });

  it('refuses a timestamp before the first commit', async () => {
    await threeCommits();
    await expect((await open()).snapshot({ timestamp: new Date(T0 - 1) })).rejects.toMatchObject({ code: 'TABLE_TIMESTAMP_OUT_OF_RANGE' });
    await expect((await open()).snapshot({ timestamp: '2020-01-01' })).rejects.toMatchObject({ code: 'TABLE_TIMESTAMP_OUT_OF_RANGE' });
  });

  it('refuses a timestamp it cannot read', async () => {
    await threeCommits();
    await expect((await open()).snapshot({ timestamp: 'yesterday-ish' })).rejects.toMatchObject({ code: 'TABLE_TIMESTAMP_INVALID' });
  });

  it('treats commit times as strictly increasing when file times go backwards', async () => {
    // Version 2's file is older than version 1's; it counts as 1 ms after version 1.
    await commit(0, [protocol(1, 2), metaData(), add('a.parquet')], T0);
    await commit(1, [add('b.parquet')], T0 + 2 * HOUR);
    await commit(2, [add('c.parquet')], T0 + HOUR);
    expect((await filesAt({ timestamp: T0 + HOUR + HOUR / 2 })).version).toBe(0);
    expect((await filesAt({ timestamp: T0 + 2 * HOUR })).version).toBe(1);
    expect((await filesAt({ timestamp: T0 + 2 * HOUR + 1 })).version).toBe(2);
  });

  it('uses in-commit timestamps instead of file times when the table enables them', async () => {
    const ict = (timestamp: number): Line => ({ commitInfo: { inCommitTimestamp: timestamp, timestamp, operation: 'WRITE' } });
    const config = { 'delta.enableInCommitTimestamps': 'true', 'delta.inCommitTimestampEnablementVersion': '0' };
    // File times all say "now-ish"; the commits' own timestamps are an hour apart in 2024.
    await commit(0, [ict(T0), protocol(1, 7, { writer: ['inCommitTimestamp'] }), metaData(config), add('a.parquet')], T0 + 100 * HOUR);
    await commit(1, [ict(T0 + HOUR), add('b.parquet')], T0 + 100 * HOUR);
    expect((await filesAt({ timestamp: T0 + HOUR / 2 })).version).toBe(0);
    expect((await filesAt({ timestamp: T0 + HOUR })).version).toBe(1);
    expect((await (await open()).snapshot()).timestamp).toBe(T0 + HOUR);
  });

  it("returns the history newest first with each commit's commitInfo", async () => {
    await threeCommits();
    const history = await (await open()).history();
    expect(history.map((h) => [h.version, h.operation, h.timestamp])).toEqual([
      [2, 'DELETE', T0 + 2 * HOUR],
      [1, 'WRITE', T0 + HOUR],
      [0, 'CREATE TABLE', T0],
    ]);
    expect(history[0]).toMatchObject({ engineInfo: 'hand-written', isBlindAppend: true, operationParameters: { mode: 'Append' } });
  });

  it('limits the history to the newest commits', async () => {
    await threeCommits();
    expect((await (await open()).history({ limit: 2 })).map((h) => h.version)).toEqual([2, 1]);
  });

  it('dates a history entry without commitInfo by its file time', async () => {
    await commit(0, [protocol(1, 2), metaData()], T0 + 5 * HOUR);
    const [entry] = await (await open()).history();
    expect(entry).toMatchObject({ version: 0, operation: undefined, timestamp: T0 + 5 * HOUR, commitInfo: undefined });
  });
});
