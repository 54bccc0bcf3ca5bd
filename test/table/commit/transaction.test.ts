import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { LocalObjectStore, StorageUnreachableError, type PutOptions } from '../../../src/storage/index.js';
import { commitOutcomeUnknown, DeltaTable } from '../../../src/table/index.js';

type Fault = 'landed' | 'not-landed' | 'other-writer';

/** A local store whose next put of a commit file fails as a dropped connection would, after doing what `fault` says. */
class FlakyCommitStore extends LocalObjectStore {
  fault: Fault | undefined;

  override async put(key: string, data: Uint8Array | string, options?: PutOptions): Promise<void> {
    const fault = this.fault;
    if (fault === undefined || !/^_delta_log\/\d{20}\.json$/.test(key)) return super.put(key, data, options);
    this.fault = undefined;
    if (fault === 'landed') await super.put(key, data, options);
    if (fault === 'other-writer') {
      const commitInfo = { commitInfo: { timestamp: 1, operation: 'WRITE', operationParameters: {}, isBlindAppend: true } };
      await super.put(key, Buffer.from(`${JSON.stringify(commitInfo)}\n`), options);
    }
    throw new StorageUnreachableError('http://127.0.0.1:1', 5);
  }
}

describe('commits whose put fails without an answer', () => {
  let engine: Engine;
  let scratch: string;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-commit-'));
  });
  afterAll(async () => {
    engine?.close();
    if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
  });

  async function flakyTable(name: string): Promise<{ store: FlakyCommitStore; table: DeltaTable }> {
    const store = new FlakyCommitStore(path.join(scratch, name));
    const { table } = await DeltaTable.create(store, { engine, data: { sql: 'SELECT 1::BIGINT AS id' } });
    return { store, table };
  }

  const dataFiles = async (store: LocalObjectStore) => (await store.list('', { recursive: true })).filter((o) => o.path.endsWith('.parquet')).length;

  it('counts the commit as made when reading it back finds its own bytes', async () => {
    const { store, table } = await flakyTable('landed');
    store.fault = 'landed';
    expect((await table.append({ sql: 'SELECT 2::BIGINT AS id' })).version).toBe(1);
    expect((await engine.query(`SELECT count(*)::INTEGER AS n FROM (${await (await table.scan()).sql()})`))[0]?.['n']).toBe(2);
  });

  it('moves to the next version when reading it back finds another writer’s commit', async () => {
    const { store, table } = await flakyTable('other');
    store.fault = 'other-writer';
    expect((await table.append({ sql: 'SELECT 2::BIGINT AS id' })).version).toBe(2);
  });

  it('keeps the data files and marks the error as an unknown outcome when the commit file is not there', async () => {
    const { store, table } = await flakyTable('unknown');
    store.fault = 'not-landed';
    const error = await table.append({ sql: 'SELECT 2::BIGINT AS id' }).catch((e: unknown) => e);
    expect((error as StorageUnreachableError).code).toBe('STORAGE_UNREACHABLE');
    expect(commitOutcomeUnknown(error)).toBe(true);
    // The data file stays for vacuum: had the put landed unseen, deleting it would break the table.
    expect(await dataFiles(store)).toBe(2);
    expect((await table.vacuum({ retentionHours: 0, force: true, dryRun: true })).files).toHaveLength(1);
  });
});
