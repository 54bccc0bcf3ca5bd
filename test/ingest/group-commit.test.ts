import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { GroupCommitter, IDEMPOTENCY_APP_PREFIX, IngestTarget, type RawRecord, type Submission } from '../../src/ingest/index.js';
import { DeltaTable, field, primitive, struct } from '../../src/table/index.js';
import { quarantineRows, tableRows } from '../support/ingest.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let root: string;
let counter = 0;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  root = await tempDir('aquifer-group-commit-');
});
afterAll(() => engine.close());

async function committer(): Promise<{ location: string; committer: GroupCommitter }> {
  const location = path.join(root, `t${counter++}`);
  await DeltaTable.create(location, { engine, schema: struct([field('request', primitive('long')), field('n', primitive('long'))]) });
  return { location, committer: new GroupCommitter(await IngestTarget.open(location, { engine })) };
}

function submission(id: string, request: number, count: number, key?: string, bad = 0): Submission {
  const records: RawRecord[] = [];
  for (let n = 0; n < count; n++) records.push({ payload: JSON.stringify({ request, n }), source: { kind: 'http', requestId: id, index: n } });
  for (let n = 0; n < bad; n++) records.push({ payload: JSON.stringify({ request: 'bad' }), source: { kind: 'http', requestId: id, index: count + n } });
  return { id, records, ...(key === undefined ? {} : { idempotencyKey: key }) };
}

const keys = (rows: readonly Record<string, unknown>[]) => rows.map((r) => `${r['request']}/${r['n']}`).sort();

describe('GroupCommitter', () => {
  it('commits what arrives while a commit is in flight together, and tells each submission its own counts and version', async () => {
    const { location, committer: c } = await committer();
    // Submitted in one go: the first starts a commit at once, the other 19 wait for the next.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => c.submit(submission(`r${i}`, i, 3, undefined, i % 2))));
    for (const [i, result] of results.entries()) expect(result).toMatchObject({ accepted: 3, quarantined: i % 2, duplicate: false });
    const versions = [...new Set(results.map((r) => r.version))];
    expect(versions.length).toBeLessThanOrEqual(2);
    for (const [i, result] of results.entries()) {
      const at = keys(await tableRows(engine, location, result.version));
      expect(at).toEqual(expect.arrayContaining([`${i}/0`, `${i}/1`, `${i}/2`]));
    }
    expect(keys(await tableRows(engine, location))).toHaveLength(60);
    expect(await quarantineRows(engine, location)).toHaveLength(10);
  });

  it('writes a key once when it comes twice in the same group, and answers the second as a duplicate', async () => {
    const { location, committer: c } = await committer();
    const results = await Promise.all([c.submit(submission('first', 0, 1)), c.submit(submission('a', 1, 2, 'k', 1)), c.submit(submission('b', 1, 2, 'k', 1))]);
    expect(results[1]).toMatchObject({ accepted: 2, quarantined: 1, duplicate: false });
    expect(results[2]).toMatchObject({ accepted: 0, quarantined: 0, duplicate: true });
    expect(keys(await tableRows(engine, location))).toEqual(['0/0', '1/0', '1/1']);
    expect(await quarantineRows(engine, location)).toHaveLength(1);
    const snapshot = await (await DeltaTable.open(location, { engine })).snapshot();
    expect(snapshot.txnVersion(`${IDEMPOTENCY_APP_PREFIX}k`)).toBeDefined();
  });

  it('answers a key committed earlier as a duplicate, writing nothing', async () => {
    const { location, committer: c } = await committer();
    await c.submit(submission('a', 1, 2, 'k'));
    const version = (await (await DeltaTable.open(location, { engine })).snapshot()).version;
    expect(await c.submit(submission('b', 1, 2, 'k'))).toEqual({ accepted: 0, quarantined: 0, version, duplicate: true });
    expect(keys(await tableRows(engine, location))).toEqual(['1/0', '1/1']);
  });

  it('rejects every submission of a group whose commit fails, and keeps serving later ones', async () => {
    const location = path.join(root, `missing${counter++}`);
    const c = new GroupCommitter(await IngestTarget.open(location, { engine, createIfMissing: false }));
    const results = await Promise.allSettled([c.submit(submission('a', 1, 1)), c.submit(submission('b', 2, 1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'TABLE_NOT_FOUND' });
    await DeltaTable.create(location, { engine, schema: struct([field('request', primitive('long')), field('n', primitive('long'))]) });
    expect(await c.submit(submission('c', 3, 1))).toMatchObject({ accepted: 1, duplicate: false });
  });
});
