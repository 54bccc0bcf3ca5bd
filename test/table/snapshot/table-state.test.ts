import { describe, expect, it } from 'vitest';
import type { Action, AddFile, DeletionVectorDescriptor, RemoveFile } from '../../../src/table/actions/index.js';
import { TableState } from '../../../src/table/snapshot/index.js';

const TABLE_URL = 'file:///data/table';

function add(path: string, extra: Partial<AddFile> = {}): Action {
  return { kind: 'add', add: { path, partitionValues: {}, size: 10, modificationTime: 1, dataChange: true, ...extra } };
}

function remove(path: string, extra: Partial<RemoveFile> = {}): Action {
  return { kind: 'remove', remove: { path, deletionTimestamp: 2, dataChange: true, ...extra } };
}

function dv(id: string, cardinality = 1, offset?: number): DeletionVectorDescriptor {
  const out: DeletionVectorDescriptor = { storageType: 'u', pathOrInlineDv: id, sizeInBytes: 34, cardinality };
  if (offset !== undefined) out.offset = offset;
  return out;
}

function livePaths(state: TableState): string[] {
  return [...state.files.values()]
    .map((f) => (f.deletionVector === undefined ? f.path : `${f.path}#${f.deletionVector.pathOrInlineDv}@${f.deletionVector.offset ?? ''}`))
    .sort();
}

function replay(...versions: Action[][]): TableState {
  const state = new TableState(TABLE_URL);
  for (const actions of versions) state.apply(actions);
  return state;
}

describe('TableState', () => {
  it('keeps every added file that is not removed', () => {
    expect(livePaths(replay([add('a'), add('b')], [add('c')]))).toEqual(['a', 'b', 'c']);
  });

  it('drops a file removed in a later version and keeps its tombstone', () => {
    const state = replay([add('a'), add('b')], [remove('a')]);
    expect(livePaths(state)).toEqual(['b']);
    expect([...state.tombstones.values()].map((r) => r.path)).toEqual(['a']);
  });

  it('keeps a file removed and then re-added in a later version', () => {
    const state = replay([add('a', { modificationTime: 1 })], [remove('a')], [add('a', { modificationTime: 3 })]);
    expect(livePaths(state)).toEqual(['a']);
    expect([...state.files.values()][0]?.modificationTime).toBe(3);
    expect(state.tombstones.size).toBe(0);
  });

  it('keeps the file when one version removes it and adds it back', () => {
    // Removes apply before adds within one version, whatever their order in the file.
    expect(livePaths(replay([add('a')], [add('a', { modificationTime: 5 }), remove('a')]))).toEqual(['a']);
  });

  it('lets the newest add of a path replace an older one', () => {
    const state = replay([add('a', { size: 1 })], [add('a', { size: 2 })]);
    expect([...state.files.values()].map((f) => f.size)).toEqual([2]);
  });

  it('treats the same path with different deletion vectors as different logical files', () => {
    const state = replay([add('a', { deletionVector: dv('dv1') }), add('a', { deletionVector: dv('dv2') }), add('a')]);
    expect(livePaths(state)).toEqual(['a', 'a#dv1@', 'a#dv2@']);
  });

  it('treats the same DV file at different offsets as different logical files', () => {
    const state = replay([add('a', { deletionVector: dv('dv1', 1, 1) }), add('a', { deletionVector: dv('dv1', 1, 40) })]);
    expect(livePaths(state)).toEqual(['a#dv1@1', 'a#dv1@40']);
  });

  it('removes only the logical file whose deletion vector matches', () => {
    const state = replay(
      [add('a', { deletionVector: dv('dv1') }), add('a', { deletionVector: dv('dv2') }), add('a')],
      [remove('a', { deletionVector: dv('dv1') })],
    );
    expect(livePaths(state)).toEqual(['a', 'a#dv2@']);
    const plain = replay([add('a', { deletionVector: dv('dv1') })], [remove('a')]);
    expect(livePaths(plain)).toEqual(['a#dv1@']);
  });

  it('replaces a file by the same file with a deletion vector in one commit', () => {
    const state = replay(
      [add('a')],
      [remove('a'), add('a', { deletionVector: dv('dv1') })],
      [remove('a', { deletionVector: dv('dv1') }), add('a', { deletionVector: dv('dv2', 2) })],
    );
    expect(livePaths(state)).toEqual(['a#dv2@']);
  });

  it('treats relative and absolute spellings of one path as one file', () => {
    const state = replay([add('part%3D1/a%20b.parquet')], [remove('file:///data/table/part%3D1/a%20b.parquet')]);
    expect(livePaths(state)).toEqual([]);
    const absolute = replay([add('/data/table/x.parquet')], [remove('x.parquet')]);
    expect(livePaths(absolute)).toEqual([]);
  });

  it('keeps files with different names apart', () => {
    expect(livePaths(replay([add('a.parquet'), add('b.parquet')], [remove('c.parquet')]))).toEqual(['a.parquet', 'b.parquet']);
  });

  it('keeps the newest protocol and metadata', () => {
    const state = replay(
      [
        { kind: 'protocol', protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
        {
          kind: 'metaData',
          metaData: {
            id: 'one',
            format: { provider: 'parquet', options: {} },
            schemaString: '{"type":"struct","fields":[]}',
            partitionColumns: [],
            configuration: {},
          },
        },
      ],
      [{ kind: 'protocol', protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [], writerFeatures: [] } }],
      [
        {
          kind: 'metaData',
          metaData: {
            id: 'two',
            format: { provider: 'parquet', options: {} },
            schemaString: '{"type":"struct","fields":[]}',
            partitionColumns: [],
            configuration: {},
          },
        },
      ],
    );
    expect(state.protocol?.minReaderVersion).toBe(3);
    expect(state.metadata?.id).toBe('two');
  });

  it('deletes a domain whose newest domainMetadata says removed', () => {
    const state = replay(
      [
        { kind: 'domainMetadata', domainMetadata: { domain: 'delta.clustering', configuration: '{"c":1}', removed: false } },
        { kind: 'domainMetadata', domainMetadata: { domain: 'app.x', configuration: '{}', removed: false } },
      ],
      [{ kind: 'domainMetadata', domainMetadata: { domain: 'delta.clustering', configuration: '{"c":1}', removed: true } }],
    );
    expect([...state.domains.keys()]).toEqual(['app.x']);
  });

  it('brings a removed domain back with its new configuration', () => {
    const state = replay(
      [{ kind: 'domainMetadata', domainMetadata: { domain: 'd', configuration: 'old', removed: false } }],
      [{ kind: 'domainMetadata', domainMetadata: { domain: 'd', configuration: 'old', removed: true } }],
      [{ kind: 'domainMetadata', domainMetadata: { domain: 'd', configuration: 'new', removed: false } }],
    );
    expect(state.domains.get('d')?.configuration).toBe('new');
  });

  it('keeps the newest configuration of a domain', () => {
    const state = replay(
      [{ kind: 'domainMetadata', domainMetadata: { domain: 'd', configuration: 'v1', removed: false } }],
      [{ kind: 'domainMetadata', domainMetadata: { domain: 'd', configuration: 'v2', removed: false } }],
    );
    expect(state.domains.get('d')?.configuration).toBe('v2');
  });

  it('keeps the latest txn of each application', () => {
    const state = replay(
      [{ kind: 'txn', txn: { appId: 'ingest', version: 1, lastUpdated: 100 } }],
      [
        { kind: 'txn', txn: { appId: 'ingest', version: 2, lastUpdated: 200 } },
        { kind: 'txn', txn: { appId: 'other', version: 7 } },
      ],
      [{ kind: 'txn', txn: { appId: 'ingest', version: 3, lastUpdated: 300 } }],
    );
    expect(state.txns.get('ingest')).toEqual({ appId: 'ingest', version: 3, lastUpdated: 300 });
    expect(state.txns.get('other')?.version).toBe(7);
    expect(state.txns.size).toBe(2);
  });

  it('ignores commitInfo, cdc and other non-state actions', () => {
    const state = replay([
      add('a'),
      { kind: 'commitInfo', commitInfo: { operation: 'WRITE' } },
      { kind: 'cdc', cdc: { path: '_change_data/x.parquet', partitionValues: {}, size: 1, dataChange: false } },
    ]);
    expect(livePaths(state)).toEqual(['a']);
    expect(state.tombstones.size).toBe(0);
  });
});
