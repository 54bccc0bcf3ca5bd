import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { field, openOrCreateTable, primitive, struct, TableOnFirstUse } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

const SCHEMA = struct([field('id', primitive('long'), false), field('note', primitive('string'))]);

describe('openOrCreateTable', () => {
  let engine: Engine;
  let root: string;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    root = await tempDir('aquifer-open-or-create-');
  });
  afterAll(() => engine?.close());

  it('creates an empty table with the schema, properties and description on first use', async () => {
    const table = await openOrCreateTable(path.join(root, 'first'), engine, SCHEMA, { properties: { 'delta.appendOnly': 'true' }, description: 'kept' });
    const snapshot = await table.snapshot();
    expect(snapshot.version).toBe(0);
    expect(snapshot.schema).toEqual(SCHEMA);
    expect(snapshot.configuration['delta.appendOnly']).toBe('true');
    expect(snapshot.metadata.description).toBe('kept');
  });

  it('opens an existing table as it is, without a commit', async () => {
    const location = path.join(root, 'existing');
    await (await openOrCreateTable(location, engine, SCHEMA)).append({ rows: [{ id: 1, note: 'a' }] });
    const table = await openOrCreateTable(location, engine, struct([field('other', primitive('string'))]), { description: 'ignored' });
    const snapshot = await table.snapshot();
    expect(snapshot.version).toBe(1);
    expect(snapshot.schema).toEqual(SCHEMA);
  });

  it('gives concurrent first uses the one table a single creator made', async () => {
    const location = path.join(root, 'raced');
    const tables = await Promise.all(Array.from({ length: 4 }, () => openOrCreateTable(location, engine, SCHEMA)));
    for (const table of tables) expect((await table.snapshot()).version).toBe(0);
  });
});

describe('TableOnFirstUse', () => {
  let engine: Engine;
  let root: string;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    root = await tempDir('aquifer-first-use-');
  });
  afterAll(() => engine?.close());

  it('opens once for every use, and tries again after an open that failed', async () => {
    let opens = 0;
    let failing = true;
    const table = new TableOnFirstUse(async () => {
      opens++;
      if (failing) throw new Error('not reachable yet');
      return openOrCreateTable(path.join(root, 'later'), engine, SCHEMA);
    });
    expect(table.started).toBeUndefined();
    await expect(table.get()).rejects.toThrow('not reachable yet');
    expect(table.started).toBeUndefined();
    failing = false;
    const [a, b] = await Promise.all([table.get(), table.get()]);
    expect(a).toBe(b);
    expect(await table.get()).toBe(a);
    expect(opens).toBe(2);
    expect(await table.started).toBe(a);
  });
});
