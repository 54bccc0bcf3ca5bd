import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { ingestFiles, IngestTarget, quarantineLocation, replayQuarantine } from '../../src/ingest/index.js';
import { onJobRun, type DatasetRef, type JobRunEvent } from '../../src/observe/index.js';
import { quarantineRows } from '../support/ingest.js';
import { DeltaTable, field, primitive, struct } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let root: string;
let counter = 0;
const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-ingest-runs-');
});
afterAll(() => engine.close());
afterEach(() => {
  stop?.();
  stop = undefined;
  events.length = 0;
});

const listen = () => {
  stop = onJobRun((event) => events.push(event));
};

async function workspace(): Promise<{ dir: string; table: string; file: (name: string, content: string) => Promise<string> }> {
  const dir = path.join(root, `w${counter++}`);
  await mkdir(path.join(dir, 'landing'), { recursive: true });
  return {
    dir,
    table: path.join(dir, 'events'),
    file: async (name, content) => {
      const at = path.join(dir, 'landing', name);
      await writeFile(at, content);
      return at;
    },
  };
}

/** What a source file input must say: its path, size, digest and modification time. */
async function fileInput(file: string): Promise<DatasetRef> {
  const bytes = await readFile(file);
  return {
    namespace: 'file',
    name: file,
    kind: 'file',
    file: { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), modified: (await stat(file)).mtime.toISOString() },
  };
}

const completed = (name: string) => {
  const matching = events.filter((e) => e.job.name === name);
  expect(matching.map((e) => e.state)).toEqual(['START', 'COMPLETE']);
  return matching[1]!;
};

/** Outputs without fields and statistics, which the table layer's own tests pin. */
const written = (event: JobRunEvent) =>
  event.outputs.map((o) => ({ name: o.name, kind: o.kind, version: o.version, versions: o.versions, operation: o.operation }));

describe('file ingestion as job runs', () => {
  it('is one run ingest.<table> whose inputs are the files it loaded, with size, sha256 and time, and whose outputs are the table and quarantine versions', async () => {
    const { dir, table, file } = await workspace();
    const a = await file('a.jsonl', '{"id": 1, "name": "ann"}\n{"id": "x", "name": "bad"}\n');
    const b = await file('b.jsonl', '{"id": 2, "name": "bob"}\n');
    const target = await IngestTarget.open(table, { engine, createIfMissing: {}, project: dir });
    listen();
    await ingestFiles(engine, target, { files: path.join(dir, 'landing', '*.jsonl') });
    expect(events.map((e) => [e.job.name, e.state])).toEqual([
      ['ingest.events', 'START'],
      ['ingest.events', 'COMPLETE'],
    ]);
    const complete = completed('ingest.events');
    expect(complete.job).toEqual({ name: 'ingest.events', type: 'INGEST', processing: 'BATCH', project: dir });
    expect(complete.inputs).toEqual([await fileInput(a), await fileInput(b)]);
    // The table and its quarantine are created (version 0), then each file is one commit to each.
    expect(written(complete)).toEqual([
      { name: table, kind: 'table', version: '2', versions: [0, 1, 2], operation: 'WRITE' },
      { name: quarantineLocation(table), kind: 'table', version: '2', versions: [0, 1, 2], operation: 'WRITE' },
    ]);
  });

  it('leaves files loaded earlier out of the inputs: only the file this run loaded is one', async () => {
    const { dir, table, file } = await workspace();
    await file('a.jsonl', '{"id": 1}\n');
    const target = await IngestTarget.open(table, { engine, createIfMissing: {}, project: dir });
    await ingestFiles(engine, target, { files: path.join(dir, 'landing', '*.jsonl') });
    const b = await file('b.jsonl', '{"id": 2}\n');
    listen();
    const result = await ingestFiles(engine, target, { files: path.join(dir, 'landing', '*.jsonl') });
    expect(result.alreadyLoaded).toBe(1);
    const complete = completed('ingest.events');
    expect(complete.inputs).toEqual([await fileInput(b)]);
    expect(written(complete)).toEqual([{ name: table, kind: 'table', version: '2', versions: [2], operation: 'WRITE' }]);
  });

  it('is a run with no inputs and no outputs when every file was loaded before', async () => {
    const { dir, table, file } = await workspace();
    await file('a.csv', 'id,name\n1,ann\n');
    const target = await IngestTarget.open(table, { engine, createIfMissing: {} });
    await ingestFiles(engine, target, { files: path.join(dir, 'landing', '*.csv') });
    listen();
    await ingestFiles(engine, target, { files: path.join(dir, 'landing', '*.csv') });
    const complete = completed('ingest.events');
    expect(complete.job).toEqual({ name: 'ingest.events', type: 'INGEST', processing: 'BATCH' });
    expect([complete.inputs, complete.outputs]).toEqual([[], []]);
  });

  it('reports FAIL with the files loaded before the one that failed, and the versions they made', async () => {
    const { dir, table, file } = await workspace();
    const a = await file('a.csv', 'id,name\n1,ann\n');
    await file('b.parquet', 'not parquet at all');
    const target = await IngestTarget.open(table, { engine, createIfMissing: {}, project: dir });
    listen();
    await expect(ingestFiles(engine, target, { files: [path.join(dir, 'landing', '*.csv'), path.join(dir, 'landing', '*.parquet')] })).rejects.toThrow();
    const runs = events.filter((e) => e.job.name === 'ingest.events');
    expect(runs.map((e) => e.state)).toEqual(['START', 'FAIL']);
    expect(runs[1]!.inputs).toEqual([await fileInput(a)]);
    expect(written(runs[1]!)).toEqual([{ name: table, kind: 'table', version: '1', versions: [0, 1], operation: 'WRITE' }]);
    expect(runs[1]!.error?.message).toBeTruthy();
  });
});

describe('quarantine replay as a job run', () => {
  it('is one run ingest.replay.<table> whose input is the quarantine version it read and whose outputs are the versions it wrote', async () => {
    const { dir, table, file } = await workspace();
    await file('a.jsonl', '{"id": 1, "amount": 1}\n{"id": 2, "amount": "two"}\n');
    await DeltaTable.create(table, { engine, schema: struct([field('id', primitive('long')), field('amount', primitive('double'))]) });
    const target = await IngestTarget.open(table, { engine });
    await ingestFiles(engine, target, { files: path.join(dir, 'landing', '*.jsonl') });
    const [bad] = await quarantineRows(engine, table);
    listen();
    const result = await replayQuarantine(table, engine, { fixes: new Map([[bad!.recordId, '{"id": 2, "amount": 2}']]), project: dir });
    expect(result).toMatchObject({ tried: 1, replayed: 1 });
    const complete = completed('ingest.replay.events');
    expect(complete.job).toEqual({ name: 'ingest.replay.events', type: 'INGEST', processing: 'BATCH', project: dir });
    // Table and quarantine were created (0) and loaded (1): the replay read quarantine version 1.
    expect(complete.inputs.map((i) => [i.name, i.kind, i.version])).toEqual([[quarantineLocation(table), 'table', '1']]);
    expect(written(complete)).toEqual([
      { name: table, kind: 'table', version: '2', versions: [2], operation: 'WRITE' },
      { name: quarantineLocation(table), kind: 'table', version: '2', versions: [2], operation: 'WRITE' },
    ]);
  });
});
