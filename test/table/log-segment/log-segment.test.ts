import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore, type ListOptions, type ObjectMeta } from '../../../src/storage/index.js';
import { buildLogSegment, classifyLogFile, padVersion, type LogSegment } from '../../../src/table/log-segment/index.js';

const UUID = '80a083e8-7026-4e79-81be-64bd76c43a11';

function meta(name: string): ObjectMeta {
  return { path: `_delta_log/${name}`, size: 0, lastModified: new Date(0) };
}

const commitName = (v: number) => `${padVersion(v)}.json`;
const checkpointName = (v: number) => `${padVersion(v)}.checkpoint.parquet`;
const partName = (v: number, part: number, parts: number) =>
  `${padVersion(v)}.checkpoint.${String(part).padStart(10, '0')}.${String(parts).padStart(10, '0')}.parquet`;
const compactionName = (from: number, to: number) => `${padVersion(from)}.${padVersion(to)}.compacted.json`;

describe('classifyLogFile', () => {
  it('classifies a commit file', () => {
    expect(classifyLogFile(meta('00000000000000000007.json'))).toMatchObject({ type: 'commit', version: 7 });
    expect(classifyLogFile(meta('00000000000000000000.json'))).toMatchObject({ type: 'commit', version: 0 });
  });

  it('keeps the listed metadata on the classified file', () => {
    const m = meta('00000000000000000007.json');
    expect(classifyLogFile(m)?.meta).toBe(m);
  });

  it('classifies a classic single-file checkpoint', () => {
    expect(classifyLogFile(meta('00000000000000000010.checkpoint.parquet'))).toMatchObject({ type: 'checkpoint', version: 10, format: 'classic' });
  });

  it('classifies a part of a multi-part checkpoint', () => {
    expect(classifyLogFile(meta('00000000000000000010.checkpoint.0000000002.0000000003.parquet'))).toMatchObject({
      type: 'checkpoint',
      version: 10,
      format: 'multipart',
      part: 2,
      parts: 3,
    });
  });

  it('classifies a v2 checkpoint named by UUID, in JSON and in Parquet', () => {
    expect(classifyLogFile(meta(`00000000000000000010.checkpoint.${UUID}.json`))).toMatchObject({
      type: 'checkpoint',
      version: 10,
      format: 'v2',
      uuid: UUID,
      fileFormat: 'json',
    });
    expect(classifyLogFile(meta(`00000000000000000010.checkpoint.${UUID}.parquet`))).toMatchObject({
      type: 'checkpoint',
      version: 10,
      format: 'v2',
      uuid: UUID,
      fileFormat: 'parquet',
    });
  });

  it('classifies a log compaction file with its version range', () => {
    expect(classifyLogFile(meta('00000000000000000004.00000000000000000006.compacted.json'))).toMatchObject({ type: 'compaction', version: 4, endVersion: 6 });
  });

  it('classifies by the file name, whatever folder holds it', () => {
    expect(classifyLogFile({ path: 'a/b/_delta_log/00000000000000000003.json', size: 1, lastModified: new Date(0) })).toMatchObject({
      type: 'commit',
      version: 3,
    });
  });

  it.each([
    '_last_checkpoint',
    '00000000000000000007.crc',
    '.00000000000000000007.json.crc',
    '.00000000000000000007.json.3f2b.tmp',
    '00000000000000000007.json.tmp',
    '7.json',
    '0000000000000000007.json', // 19 digits
    '000000000000000000007.json', // 21 digits
    '0000000000000000000a.json',
    '00000000000000000007.JSON',
    '00000000000000000007.checkpoint.json',
    '00000000000000000007.checkpoint.parquet.crc',
    '00000000000000000007.checkpoint.0000000001.parquet',
    '00000000000000000007.checkpoint.1.2.parquet',
    '00000000000000000007.checkpoint.not-a-uuid.json',
    `00000000000000000007.checkpoint.${UUID}.avro`,
    '00000000000000000004.00000000000000000006.compacted.parquet',
    '00000000000000000004.compacted.json',
    '_commits',
    'part-00000-abc.snappy.parquet',
    '',
  ])('ignores the non-log file name %j', (name) => {
    expect(classifyLogFile(meta(name))).toBeUndefined();
  });
});

/** A store that records how the log was listed. */
class RecordingStore extends LocalObjectStore {
  readonly listings: ListOptions[] = [];
  override async list(prefix: string, options: ListOptions = {}): Promise<ObjectMeta[]> {
    this.listings.push(options);
    return super.list(prefix, options);
  }
}

describe('buildLogSegment', () => {
  let root: string;
  let store: RecordingStore;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-segment-'));
    store = new RecordingStore(root);
  });
  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  /** Write empty log files (only names matter to the segment). */
  async function touch(...names: string[]): Promise<void> {
    await fs.mkdir(path.join(root, '_delta_log'), { recursive: true });
    await Promise.all(names.map((name) => fs.writeFile(path.join(root, '_delta_log', name), '')));
  }

  async function commits(from: number, to: number): Promise<void> {
    const names: string[] = [];
    for (let v = from; v <= to; v++) names.push(commitName(v));
    await touch(...names);
  }

  async function lastCheckpoint(text: string): Promise<void> {
    await fs.mkdir(path.join(root, '_delta_log'), { recursive: true });
    await fs.writeFile(path.join(root, '_delta_log', '_last_checkpoint'), text);
  }

  const build = (version?: number, useCompactions?: boolean): Promise<LogSegment> => {
    const options: { version?: number; useCompactions?: boolean } = {};
    if (version !== undefined) options.version = version;
    if (useCompactions !== undefined) options.useCompactions = useCompactions;
    return buildLogSegment(store, root, options);
  };

  function describeSegment(segment: LogSegment) {
    return {
      version: segment.version,
      checkpoint:
        segment.checkpoint === undefined
          ? undefined
          : { version: segment.checkpoint.version, files: segment.checkpoint.files.map((f) => path.basename(f.meta.path)) },
      deltas: segment.deltas.map((d) => (d.type === 'commit' ? d.version : `${d.version}-${d.endVersion}`)),
      commits: segment.commits.map((c) => c.version),
      latestVersion: segment.latestVersion,
    };
  }

  it('replays every commit from 0 when there is no checkpoint', async () => {
    await commits(0, 5);
    expect(describeSegment(await build())).toEqual({
      version: 5,
      checkpoint: undefined,
      deltas: [0, 1, 2, 3, 4, 5],
      commits: [0, 1, 2, 3, 4, 5],
      latestVersion: 5,
    });
  });

  it('reads an older version from the commits up to it', async () => {
    await commits(0, 5);
    expect(describeSegment(await build(2))).toEqual({ version: 2, checkpoint: undefined, deltas: [0, 1, 2], commits: [0, 1, 2], latestVersion: 5 });
  });

  it('reads version 0 of a one-commit table', async () => {
    await commits(0, 0);
    expect(describeSegment(await build())).toMatchObject({ version: 0, deltas: [0], latestVersion: 0 });
  });

  it('picks the newest complete checkpoint at or before the version', async () => {
    await commits(0, 12);
    await touch(checkpointName(5), checkpointName(10));
    expect(describeSegment(await build())).toMatchObject({
      version: 12,
      checkpoint: { version: 10, files: [checkpointName(10)] },
      deltas: [11, 12],
      commits: [11, 12],
    });
    expect(describeSegment(await build(10))).toMatchObject({ version: 10, checkpoint: { version: 10 }, deltas: [] });
    expect(describeSegment(await build(9))).toMatchObject({ version: 9, checkpoint: { version: 5 }, deltas: [6, 7, 8, 9] });
    expect(describeSegment(await build(5))).toMatchObject({ version: 5, checkpoint: { version: 5 }, deltas: [] });
    expect(describeSegment(await build(4))).toMatchObject({ version: 4, checkpoint: undefined, deltas: [0, 1, 2, 3, 4] });
  });

  it('does not need the commits before the checkpoint', async () => {
    await commits(6, 8);
    await touch(checkpointName(5));
    expect(describeSegment(await build())).toMatchObject({ version: 8, checkpoint: { version: 5 }, deltas: [6, 7, 8] });
  });

  it('reads a table whose newest version is a checkpoint without its commit file', async () => {
    await commits(0, 6);
    await touch(checkpointName(7));
    expect(describeSegment(await build())).toMatchObject({ version: 7, checkpoint: { version: 7 }, deltas: [], latestVersion: 7 });
  });

  it('ignores an incomplete multi-part checkpoint and falls back to an older complete one', async () => {
    await commits(0, 12);
    await touch(checkpointName(5), partName(10, 1, 3), partName(10, 3, 3));
    expect(describeSegment(await build())).toMatchObject({ version: 12, checkpoint: { version: 5 }, deltas: [6, 7, 8, 9, 10, 11, 12] });
  });

  it('ignores an incomplete multi-part checkpoint when there is no other', async () => {
    await commits(0, 3);
    await touch(partName(2, 1, 2));
    expect(describeSegment(await build())).toMatchObject({ version: 3, checkpoint: undefined, deltas: [0, 1, 2, 3] });
  });

  it('uses every part of a complete multi-part checkpoint, in part order', async () => {
    await commits(0, 12);
    await touch(checkpointName(5), partName(10, 3, 3), partName(10, 1, 3), partName(10, 2, 3));
    expect(describeSegment(await build())).toMatchObject({
      checkpoint: { version: 10, files: [partName(10, 1, 3), partName(10, 2, 3), partName(10, 3, 3)] },
      deltas: [11, 12],
    });
  });

  it('uses the complete set when two writers left multi-part checkpoints with different part counts', async () => {
    await commits(0, 12);
    await touch(partName(10, 1, 3), partName(10, 3, 3), partName(10, 2, 2), partName(10, 1, 2));
    expect(describeSegment(await build())).toMatchObject({ checkpoint: { version: 10, files: [partName(10, 1, 2), partName(10, 2, 2)] }, deltas: [11, 12] });
  });

  it('prefers a classic checkpoint over multi-part files of the same version', async () => {
    await commits(0, 12);
    await touch(checkpointName(10), partName(10, 1, 2), partName(10, 2, 2));
    expect(describeSegment(await build())).toMatchObject({ checkpoint: { version: 10, files: [checkpointName(10)] } });
  });

  it('uses a v2 checkpoint', async () => {
    await commits(0, 4);
    await touch(`${padVersion(3)}.checkpoint.${UUID}.json`);
    expect(describeSegment(await build())).toMatchObject({ checkpoint: { version: 3, files: [`${padVersion(3)}.checkpoint.${UUID}.json`] }, deltas: [4] });
  });

  it('lists only from the hinted checkpoint when _last_checkpoint is right', async () => {
    await commits(0, 12);
    await touch(checkpointName(10));
    await lastCheckpoint(JSON.stringify({ version: 10, size: 4 }));
    expect(describeSegment(await build())).toMatchObject({ version: 12, checkpoint: { version: 10 }, deltas: [11, 12] });
    expect(store.listings).toEqual([{ startAfter: `_delta_log/${padVersion(10)}` }]);
  });

  it('finds a newer checkpoint than a stale _last_checkpoint names', async () => {
    await commits(0, 12);
    await touch(checkpointName(5), checkpointName(10));
    await lastCheckpoint(JSON.stringify({ version: 5, size: 4 }));
    expect(describeSegment(await build())).toMatchObject({ version: 12, checkpoint: { version: 10 }, deltas: [11, 12] });
  });

  it('falls back to listing the whole log when _last_checkpoint is corrupt', async () => {
    await commits(0, 12);
    await touch(checkpointName(10));
    for (const text of ['{not json', '', '{"version":"ten"}', '{"version":-1}', '[]', 'null']) {
      await lastCheckpoint(text);
      expect(describeSegment(await build()), text).toMatchObject({ version: 12, checkpoint: { version: 10 }, deltas: [11, 12] });
    }
  });

  it('falls back when _last_checkpoint points past the end of the log', async () => {
    await commits(0, 12);
    await touch(checkpointName(10));
    await lastCheckpoint(JSON.stringify({ version: 50, size: 4 }));
    expect(describeSegment(await build())).toMatchObject({ version: 12, checkpoint: { version: 10 }, deltas: [11, 12], latestVersion: 12 });
  });

  it('falls back when _last_checkpoint names a checkpoint that does not exist', async () => {
    await commits(0, 12);
    await touch(checkpointName(5));
    await lastCheckpoint(JSON.stringify({ version: 8, size: 4 }));
    expect(describeSegment(await build())).toMatchObject({ version: 12, checkpoint: { version: 5 }, deltas: [6, 7, 8, 9, 10, 11, 12] });
  });

  it('falls back when _last_checkpoint names an incomplete multi-part checkpoint', async () => {
    await commits(0, 12);
    await touch(checkpointName(5), partName(10, 1, 2));
    await lastCheckpoint(JSON.stringify({ version: 10, size: 4, parts: 2 }));
    expect(describeSegment(await build())).toMatchObject({ version: 12, checkpoint: { version: 5 } });
  });

  it('reads a version older than the hinted checkpoint from the full log', async () => {
    await commits(0, 12);
    await touch(checkpointName(5), checkpointName(10));
    await lastCheckpoint(JSON.stringify({ version: 10, size: 4 }));
    expect(describeSegment(await build(7))).toMatchObject({ version: 7, checkpoint: { version: 5 }, deltas: [6, 7], latestVersion: 12 });
  });

  it('refuses a gap in the commits after the checkpoint', async () => {
    await commits(0, 6);
    await commits(8, 9);
    await touch(checkpointName(5));
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_VERSIONS_NOT_CONTIGUOUS', value: { missingVersion: 7 } });
  });

  it('refuses a gap after the hinted checkpoint too', async () => {
    await commits(0, 6);
    await commits(8, 9);
    await touch(checkpointName(5));
    await lastCheckpoint(JSON.stringify({ version: 5, size: 4 }));
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_VERSIONS_NOT_CONTIGUOUS', value: { missingVersion: 7 } });
  });

  it('refuses a gap in a log without checkpoints', async () => {
    await touch(commitName(0), commitName(1), commitName(3));
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_VERSIONS_NOT_CONTIGUOUS', value: { missingVersion: 2 } });
  });

  it('reads a version before a gap that a later version cannot skip', async () => {
    await touch(commitName(0), commitName(1), commitName(3));
    expect(describeSegment(await build(1))).toMatchObject({ version: 1, deltas: [0, 1] });
  });

  it('reads past a gap that a checkpoint covers', async () => {
    await touch(commitName(0), commitName(1), commitName(3), commitName(4), checkpointName(3));
    expect(describeSegment(await build())).toMatchObject({ version: 4, checkpoint: { version: 3 }, deltas: [4] });
  });

  it('refuses a version past the latest one', async () => {
    await commits(0, 5);
    await expect(build(6)).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND', value: 6 });
  });

  it('refuses a version past the latest one even with a valid _last_checkpoint', async () => {
    await commits(0, 5);
    await touch(checkpointName(3));
    await lastCheckpoint(JSON.stringify({ version: 3, size: 4 }));
    await expect(build(9)).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND', value: 9 });
  });

  it('refuses a negative version', async () => {
    await commits(0, 5);
    await expect(build(-1)).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND' });
  });

  it('refuses a version before the earliest recoverable one once old commits are cleaned up', async () => {
    await commits(5, 8);
    await touch(checkpointName(5));
    await expect(build(3)).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND', value: 3 });
    await expect(build(4)).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND', value: 4 });
    expect(describeSegment(await build(5))).toMatchObject({ version: 5, checkpoint: { version: 5 }, deltas: [] });
  });

  it('refuses a version whose commit is still there but whose earlier history is gone', async () => {
    await commits(3, 8);
    await touch(checkpointName(5));
    await expect(build(4)).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND', value: 4 });
  });

  it('refuses a log that starts after 0 without any checkpoint', async () => {
    await commits(3, 5);
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_VERSION_NOT_FOUND' });
  });

  it('reports an empty _delta_log as no table', async () => {
    await fs.mkdir(path.join(root, '_delta_log'));
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });

  it('reports a missing _delta_log as no table', async () => {
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });

  it('reports a missing table root as no table', async () => {
    await expect(buildLogSegment(new LocalObjectStore(path.join(root, 'nowhere')), root)).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });

  it('reports a _delta_log holding only non-log files as no table', async () => {
    await touch('00000000000000000000.crc', '.00000000000000000000.json.tmp', partName(0, 1, 2));
    await lastCheckpoint(JSON.stringify({ version: 0, size: 1 }));
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });

  it('ignores commit files nested in sub-folders of _delta_log', async () => {
    await commits(0, 1);
    await fs.mkdir(path.join(root, '_delta_log', '_commits'));
    await fs.writeFile(path.join(root, '_delta_log', '_commits', commitName(2)), '');
    expect(describeSegment(await build())).toMatchObject({ version: 1, latestVersion: 1 });
  });

  it('replaces a run of commits by a compaction file covering exactly them', async () => {
    await commits(0, 6);
    await touch(compactionName(2, 4));
    const segment = describeSegment(await build());
    expect(segment.deltas).toEqual([0, 1, '2-4', 5, 6]);
    expect(segment.commits).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('does not use a compaction that reaches past the version read', async () => {
    await commits(0, 6);
    await touch(compactionName(2, 4));
    expect(describeSegment(await build(3)).deltas).toEqual([0, 1, 2, 3]);
    expect(describeSegment(await build(4)).deltas).toEqual([0, 1, '2-4']);
  });

  it('does not use a compaction that starts at or before the checkpoint', async () => {
    await commits(0, 8);
    await touch(checkpointName(3), compactionName(2, 5), compactionName(3, 6));
    expect(describeSegment(await build()).deltas).toEqual([4, 5, 6, 7, 8]);
  });

  it('uses a compaction that starts right after the checkpoint', async () => {
    await commits(0, 8);
    await touch(checkpointName(3), compactionName(4, 6));
    expect(describeSegment(await build()).deltas).toEqual(['4-6', 7, 8]);
  });

  it('prefers the widest of several compactions starting at one version', async () => {
    await commits(0, 8);
    await touch(compactionName(1, 3), compactionName(1, 6));
    expect(describeSegment(await build()).deltas).toEqual([0, '1-6', 7, 8]);
  });

  it('uses two compactions one after the other', async () => {
    await commits(0, 8);
    await touch(compactionName(0, 2), compactionName(3, 5));
    expect(describeSegment(await build()).deltas).toEqual(['0-2', '3-5', 6, 7, 8]);
  });

  it('ignores compactions when asked to', async () => {
    await commits(0, 6);
    await touch(compactionName(2, 4));
    expect(describeSegment(await build(undefined, false)).deltas).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('ignores a compaction covering a single version or a reversed range', async () => {
    await commits(0, 6);
    await touch(compactionName(2, 2), compactionName(5, 3));
    expect(describeSegment(await build()).deltas).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('still requires every commit a compaction covers to be contiguous', async () => {
    await touch(commitName(0), commitName(1), commitName(2), commitName(4), compactionName(1, 4));
    await expect(build()).rejects.toMatchObject({ code: 'TABLE_VERSIONS_NOT_CONTIGUOUS', value: { missingVersion: 3 } });
  });
});
