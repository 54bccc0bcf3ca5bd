import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCases, runCase } from '../../src/conformance/index.js';
import { Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { GOLDEN_DIR, goldenAvailable } from '../support/shared.js';

/**
 * The Delta project's golden tables, written by Spark. Every case must match its
 * expected rows, load, or be refused with the error code its name calls for.
 */
const REFUSALS: Record<string, string> = {
  'deltalog-invalid-protocol-version': 'TABLE_PROTOCOL_UNSUPPORTED',
  'deltalog-state-reconstruction-without-protocol': 'TABLE_PROTOCOL_MISSING',
  'deltalog-state-reconstruction-without-metadata': 'TABLE_METADATA_MISSING',
  'deltalog-state-reconstruction-from-checkpoint-missing-protocol': 'TABLE_PROTOCOL_MISSING',
  'deltalog-state-reconstruction-from-checkpoint-missing-metadata': 'TABLE_METADATA_MISSING',
  'versions-not-contiguous': 'TABLE_VERSIONS_NOT_CONTIGUOUS',
  'no-delta-log-folder': 'TABLE_NOT_FOUND',
};

const run = goldenAvailable();

describe.runIf(run)('delta golden tables', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create();
  });
  afterAll(() => engine.close());

  it('lists all 77 cases from the manifest', async () => {
    expect(await readCases(GOLDEN_DIR)).toHaveLength(77);
  });

  it.each(goldenCaseNames())('%s', async (name) => {
    const cases = await readCases(GOLDEN_DIR);
    const testCase = cases.find((c) => c.name === name);
    expect(testCase).toBeDefined();
    const result = await runCase(engine, testCase!);
    expect(result.passed, result.detail).toBe(true);
    const refusal = REFUSALS[name];
    if (refusal !== undefined) {
      expect(result.detail).toContain(`refused with ${refusal}`);
    } else if (!testCase!.hasExpected && name !== 'data-reader-absolute-paths-escaped-chars') {
      expect(result.detail).not.toContain('refused');
    }
  });

  const open = (name: string) => DeltaTable.open(path.join(GOLDEN_DIR, name, 'delta'), { engine });

  it('treats differently spelled absolute paths as one file when reconciling adds and removes', async () => {
    for (const name of ['canonicalized-paths-normal-a', 'canonicalized-paths-normal-b', 'canonicalized-paths-special-a', 'canonicalized-paths-special-b']) {
      const snapshot = await (await open(name)).snapshot();
      expect(snapshot.version).toBe(1);
      expect(snapshot.files).toHaveLength(0);
    }
  });

  it('keeps a file removed and re-added in a later commit', async () => {
    const snapshot = await (await open('delete-re-add-same-file-different-transactions')).snapshot();
    expect(snapshot.files.map((f) => f.path).sort()).toEqual(['bar', 'foo']);
    expect(snapshot.files.find((f) => f.path === 'foo')?.modificationTime).toBe(1700000000000);
  });

  it('replays from the checkpoint and the commits after it', async () => {
    const snapshot = await (await open('checkpoint')).snapshot();
    expect(snapshot.version).toBe(14);
    expect(snapshot.files).toHaveLength(1);
  });

  it('reconstructs the active files of a log without metadata while refusing to read it', async () => {
    const table = await open('data-reader-absolute-paths-escaped-chars');
    await expect(table.snapshot()).rejects.toMatchObject({ code: 'TABLE_METADATA_MISSING' });
    const state = await table.logState();
    expect(state.segment.version).toBe(1);
    expect([...state.state.files.values()].map((f) => f.path).sort()).toEqual([
      '..//Users/scott.sandre/connectors/golden-tables/src/test/resources/golden/data-reader-absolute-paths-escaped-chars/foo.snappy.parquet',
      'bar%2Dbar.snappy.parquet',
    ]);
  });

  it('reads a table whose metadata has no schemaString as an empty schema', async () => {
    const snapshot = await (await open('deltalog-commit-info')).snapshot();
    expect(snapshot.schema.fields).toHaveLength(0);
    const history = await (await open('deltalog-commit-info')).history();
    expect(history[0]?.commitInfo?.['userName']).toBe('username_0');
  });

  it('loads every table of a folder of tables', async () => {
    const snapshot = await DeltaTable.open(path.join(GOLDEN_DIR, 'hive', 'delta', 'deltatbl-partition-prune'), { engine }).then((t) => t.snapshot());
    expect(snapshot.partitionColumns).toEqual(['date', 'city']);
    expect(snapshot.files).toHaveLength(5);
  });

  it('falls back to listing the log when _last_checkpoint is corrupt', async () => {
    const snapshot = await (await open('corrupted-last-checkpoint-kernel')).snapshot();
    expect(snapshot.version).toBe(11);
  });
});

function goldenCaseNames(): string[] {
  try {
    const text = readFileSync(path.join(GOLDEN_DIR, 'MANIFEST.tsv'), 'utf8');
    return text
      .split('\n')
      .map((line) => line.split('\t')[0]?.trim() ?? '')
      .filter((name) => name !== '');
  } catch {
    return [];
  }
}
