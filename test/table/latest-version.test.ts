import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { DeltaTable, field, openOrCreateTable, primitive, struct } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

const SCHEMA = struct([field('id', primitive('long'), false)]);

describe('DeltaTable.latestVersion', () => {
  let engine: Engine;
  let root: string;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    root = await tempDir('aquifer-latest-version-');
  });
  afterAll(() => engine?.close());

  it('is the version a fresh snapshot has, before and after a checkpoint and with commits past it', async () => {
    const location = path.join(root, 'grown');
    const table = await openOrCreateTable(location, engine, SCHEMA);
    expect(await table.latestVersion()).toBe(0);
    for (let id = 1; id <= 3; id++) await table.append({ rows: [{ id }] });
    await table.checkpoint();
    await table.append({ rows: [{ id: 4 }] });
    const reopened = await DeltaTable.open(location, { engine });
    expect(await reopened.latestVersion()).toBe(4);
    expect((await reopened.snapshot()).version).toBe(4);
  });

  it('sees a commit another handle made after it was opened', async () => {
    const location = path.join(root, 'shared');
    const reader = await openOrCreateTable(location, engine, SCHEMA);
    expect(await reader.latestVersion()).toBe(0);
    await (await DeltaTable.open(location, { engine })).append({ rows: [{ id: 1 }] });
    expect(await reader.latestVersion()).toBe(1);
  });

  it('is TABLE_NOT_FOUND where there is no table', async () => {
    const table = await DeltaTable.open(path.join(root, 'missing'), { engine });
    await expect(table.latestVersion()).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
  });
});
