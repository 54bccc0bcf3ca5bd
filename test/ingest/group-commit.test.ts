import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import {
  GroupCommitter,
  IDEMPOTENCY_APP_PREFIX,
  IngestTarget,
  requestDigest,
  type RawRecord,
  type Submission,
  type SubmissionResult,
} from '../../src/ingest/index.js';
import { DeltaTable, field, primitive, struct, IDEMPOTENCY_KEY_RETENTION_PROPERTY } from '../../src/table/index.js';
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

async function committer(properties: Record<string, string> = {}): Promise<{ location: string; committer: GroupCommitter }> {
  const location = path.join(root, `t${counter++}`);
  await DeltaTable.create(location, { engine, schema: struct([field('request', primitive('long')), field('n', primitive('long'))]), properties });
  return { location, committer: new GroupCommitter(await IngestTarget.open(location, { engine })) };
}

/** A submission; a keyed one carries the digest of its records, as the HTTP route sends it. */
function submission(id: string, request: number, count: number, key?: string, bad = 0): Submission {
  const records: RawRecord[] = [];
  for (let n = 0; n < count; n++) records.push({ payload: JSON.stringify({ request, n }), source: { kind: 'http', requestId: id, index: n } });
  for (let n = 0; n < bad; n++) records.push({ payload: JSON.stringify({ request: 'bad' }), source: { kind: 'http', requestId: id, index: count + n } });
  return { id, records, ...(key === undefined ? {} : { idempotencyKey: key, digest: requestDigest(records.map((r) => r.payload)) }) };
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

  it('refuses a key committed earlier for another body with INGEST_IDEMPOTENCY_KEY_REUSED, writing nothing', async () => {
    const { location, committer: c } = await committer();
    await c.submit(submission('a', 1, 2, 'k', 1));
    const version = (await (await DeltaTable.open(location, { engine })).snapshot()).version;
    await expect(c.submit(submission('b', 2, 2, 'k', 1))).rejects.toMatchObject({ code: 'INGEST_IDEMPOTENCY_KEY_REUSED' });
    expect((await (await DeltaTable.open(location, { engine })).snapshot()).version).toBe(version);
    expect(keys(await tableRows(engine, location))).toEqual(['1/0', '1/1']);
    expect(await quarantineRows(engine, location)).toHaveLength(1);
    // The original body is still a duplicate.
    expect(await c.submit(submission('c', 1, 2, 'k', 1))).toMatchObject({ duplicate: true });
  });

  it('refuses a key used twice in one group with different bodies, taking the first', async () => {
    const { location, committer: c } = await committer();
    const results = await Promise.allSettled([c.submit(submission('first', 0, 1)), c.submit(submission('a', 1, 2, 'k')), c.submit(submission('b', 2, 2, 'k'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'INGEST_IDEMPOTENCY_KEY_REUSED' });
    expect(keys(await tableRows(engine, location))).toEqual(['0/0', '1/0', '1/1']);
  });

  it('gives each submission its own counts when several reuse one request id', async () => {
    const { location, committer: c } = await committer();
    const results = await Promise.all([c.submit(submission('busy', 0, 1)), ...[1, 2, 3].map((i) => c.submit(submission('same', i, i, undefined, 1)))]);
    expect(results.slice(1).map((r) => [r.accepted, r.quarantined])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(keys(await tableRows(engine, location))).toHaveLength(7);
  });

  describe('with an idempotency key retention on the table', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('takes a key again, body and bad records alike, once the retention has passed', async () => {
      const { location, committer: c } = await committer({ [IDEMPOTENCY_KEY_RETENTION_PROPERTY]: 'interval 1 hours' });
      await c.submit(submission('a', 1, 2, 'k', 1));
      expect(await c.submit(submission('b', 1, 2, 'k', 1))).toMatchObject({ duplicate: true });
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 3_600_001);
      expect(await c.submit(submission('c', 1, 2, 'k', 1))).toMatchObject({ accepted: 2, quarantined: 1, duplicate: false });
      expect(keys(await tableRows(engine, location))).toEqual(['1/0', '1/0', '1/1', '1/1']);
      expect(await quarantineRows(engine, location)).toHaveLength(2);
    });

    it('takes an expired key for another body too', async () => {
      const { location, committer: c } = await committer({ [IDEMPOTENCY_KEY_RETENTION_PROPERTY]: 'interval 1 hours' });
      await c.submit(submission('a', 1, 1, 'k'));
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 3_600_001);
      expect(await c.submit(submission('b', 2, 1, 'k'))).toMatchObject({ accepted: 1, duplicate: false });
      expect(keys(await tableRows(engine, location))).toEqual(['1/0', '2/0']);
    });
  });
});

describe('GroupCommitter with a request deadline', () => {
  it('refuses a submission whose signal aborted before its commit started with the signal reason, writing nothing', async () => {
    const { location, committer: c } = await committer();
    const controller = new AbortController();
    controller.abort(new Error('deadline'));
    await expect(c.submit({ ...submission('late', 1, 2, 'k'), signal: controller.signal })).rejects.toThrow('deadline');
    expect(await tableRows(engine, location)).toEqual([]);
    expect((await (await DeltaTable.open(location, { engine })).snapshot()).version).toBe(0);
  });

  it('abandons a submission whose deadline passes while its batch is being checked, and commits the others of the batch', async () => {
    const location = path.join(root, `t${counter++}`);
    await DeltaTable.create(location, { engine, schema: struct([field('request', primitive('long')), field('n', primitive('long'))]) });
    const target = await IngestTarget.open(location, { engine });
    const controller = new AbortController();
    // The deadline passes once the batch has started (its first read of the table), before any commit.
    const read = target.table.snapshot.bind(target.table);
    const spy = vi.spyOn(target.table, 'snapshot').mockImplementation(async (options) => {
      const snapshot = await read(options);
      controller.abort(new Error('deadline'));
      return snapshot;
    });
    const c = new GroupCommitter(target);
    const results = await Promise.allSettled([c.submit({ ...submission('late', 1, 2), signal: controller.signal }), c.submit(submission('on-time', 2, 2))]);
    spy.mockRestore();
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect((results[1] as PromiseFulfilledResult<SubmissionResult>).value).toMatchObject({ accepted: 2, duplicate: false });
    expect(keys(await tableRows(engine, location))).toEqual(['2/0', '2/1']);
  });
});

describe('GroupCommitter racing another writer for one idempotency key', () => {
  let otherEngine: Engine;
  beforeAll(async () => {
    otherEngine = await Engine.create({ threads: 1 });
  });
  afterAll(() => otherEngine.close());

  /**
   * Two writers on one table through separate engines and table instances. The winner commits
   * right after the loser's `read`-th look at the table: 1 is the loser's key check, 2 the
   * snapshot its commit is based on (so the loser meets the winner in put-if-absent).
   */
  async function race(read: 1 | 2, loserBody: Submission, winnerBody: Submission) {
    const location = path.join(root, `t${counter++}`);
    await DeltaTable.create(location, { engine, schema: struct([field('request', primitive('long')), field('n', primitive('long'))]) });
    const winner = new GroupCommitter(await IngestTarget.open(location, { engine: otherEngine }));
    const loserTarget = await IngestTarget.open(location, { engine });
    const original = loserTarget.table.snapshot.bind(loserTarget.table);
    let reads = 0;
    let won: Promise<SubmissionResult> | undefined;
    vi.spyOn(loserTarget.table, 'snapshot').mockImplementation(async (options) => {
      const snapshot = await original(options);
      if (++reads === read) {
        won = winner.submit(winnerBody);
        await won;
      }
      return snapshot;
    });
    const lost = await Promise.allSettled([new GroupCommitter(loserTarget).submit(loserBody)]);
    return { location, won: await (won as Promise<SubmissionResult>), lost: lost[0] as PromiseSettledResult<SubmissionResult> };
  }

  for (const read of [1, 2] as const) {
    it(`answers the loser with the same single outcome for the same body (winner after read ${read}), writing the rows once`, async () => {
      const { location, won, lost } = await race(read, submission('loser', 1, 2, 'k'), submission('winner', 1, 2, 'k'));
      expect(won).toMatchObject({ accepted: 2, duplicate: false });
      expect(lost.status).toBe('fulfilled');
      expect((lost as PromiseFulfilledResult<SubmissionResult>).value).toEqual({ accepted: 0, quarantined: 0, version: won.version, duplicate: true });
      expect(keys(await tableRows(engine, location))).toEqual(['1/0', '1/1']);
    });

    it(`refuses the loser with INGEST_IDEMPOTENCY_KEY_REUSED, not COMMIT_CONFLICT, for another body (winner after read ${read})`, async () => {
      const { location, won, lost } = await race(read, submission('loser', 2, 3, 'k'), submission('winner', 1, 2, 'k'));
      expect(won).toMatchObject({ accepted: 2, duplicate: false });
      expect(lost.status).toBe('rejected');
      expect((lost as PromiseRejectedResult).reason).toMatchObject({ code: 'INGEST_IDEMPOTENCY_KEY_REUSED' });
      expect(keys(await tableRows(engine, location))).toEqual(['1/0', '1/1']);
    });
  }
});
