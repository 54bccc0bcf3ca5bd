import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeCheckpoint, writeCheckpointFromLog } from '../../../src/table/checkpoint/index.js';
import {
  DeltaTable,
  field,
  IDEMPOTENCY_APP_PREFIX,
  IDEMPOTENCY_KEY_RETENTION_PROPERTY,
  primitive,
  struct,
  TXN_RETENTION_PROPERTY,
} from '../../../src/table/index.js';
import { tableFixture } from '../../support/table-fixture.js';

const { engine, location } = tableFixture();
const DAY = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

/** A table with one txn (appId `app`, version 3), committed now, and the given txn retention. */
async function tableWithTxn(retention?: string): Promise<DeltaTable> {
  const properties = retention === undefined ? {} : { [TXN_RETENTION_PROPERTY]: retention };
  const { table } = await DeltaTable.create(location(), { engine: engine(), schema: struct([field('id', primitive('long'))]), properties });
  await table.append({ sql: 'SELECT 1::BIGINT AS id' }, { txn: { appId: 'app', version: 3 } });
  return table;
}

const reopened = async (table: DeltaTable) => (await DeltaTable.open(table.location, { engine: engine() })).snapshot();

describe('delta.setTransactionRetentionDuration', () => {
  it('keeps a txn younger than the retention', async () => {
    const snapshot = await (await tableWithTxn('interval 1 days')).snapshot();
    expect(snapshot.txnVersion('app')).toBe(3);
    expect([...snapshot.txns.keys()]).toEqual(['app']);
  });

  it('ignores a txn as old as the retention or older', async () => {
    const table = await tableWithTxn('interval 1 days');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + DAY + 1);
    const snapshot = await reopened(table);
    expect(snapshot.txnVersion('app')).toBeUndefined();
    expect(snapshot.txn('app')).toBeUndefined();
    expect(snapshot.txns.size).toBe(0);
    // A writer takes the expired application's data again instead of skipping it as a repeat.
    expect(table.writer().alreadyCommitted(snapshot, { txn: { appId: 'app', version: 3 } })).toBe(false);
  });

  it('never expires a txn when the property is unset', async () => {
    const table = await tableWithTxn();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10_000 * DAY);
    expect((await reopened(table)).txnVersion('app')).toBe(3);
  });

  it('leaves expired txns out of a checkpoint made from the log', async () => {
    const table = await tableWithTxn('interval 1 days');
    const kept = await tableWithTxn('interval 1 days');
    await writeCheckpointFromLog(table.store, engine(), table.location, undefined, Date.now() + DAY + 1);
    await writeCheckpointFromLog(kept.store, engine(), kept.location, undefined, Date.now());
    // Read back at the real time, where the txn would still be live: only the checkpoint can have dropped it.
    expect((await reopened(table)).logState.txns.has('app')).toBe(false);
    expect((await reopened(kept)).txnVersion('app')).toBe(3);
  });

  it('leaves expired txns out of a checkpoint made from a snapshot', async () => {
    const table = await tableWithTxn('interval 1 days');
    const kept = await tableWithTxn('interval 1 days');
    await writeCheckpoint(table.store, engine(), await table.snapshot(), Date.now() + DAY + 1);
    await writeCheckpoint(kept.store, engine(), await kept.snapshot(), Date.now());
    expect((await reopened(table)).logState.txns.has('app')).toBe(false);
    expect((await reopened(kept)).txnVersion('app')).toBe(3);
  });
});

describe('aquifer.idempotencyKeyRetentionDuration', () => {
  /** A table with an idempotency key's txn and a file ingestion's txn, both committed now. */
  async function tableWithKeyAndFile(): Promise<DeltaTable> {
    const { table } = await DeltaTable.create(location(), {
      engine: engine(),
      schema: struct([field('id', primitive('long'))]),
      properties: { [IDEMPOTENCY_KEY_RETENTION_PROPERTY]: 'interval 1 days' },
    });
    await table.append({ sql: 'SELECT 1::BIGINT AS id' }, { txn: { appId: `${IDEMPOTENCY_APP_PREFIX}k`, version: 7 } });
    await table.append({ sql: 'SELECT 2::BIGINT AS id' }, { txn: { appId: 'aquifer.file:/landing/a.jsonl', version: 0 } });
    return table;
  }

  it('expires idempotency keys and keeps every other txn', async () => {
    const table = await tableWithKeyAndFile();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + DAY + 1);
    const snapshot = await reopened(table);
    expect(snapshot.txnVersion(`${IDEMPOTENCY_APP_PREFIX}k`)).toBeUndefined();
    expect(snapshot.txnVersion('aquifer.file:/landing/a.jsonl')).toBe(0);
  });

  it('leaves only expired keys out of checkpoints made from the log and from a snapshot', async () => {
    const fromLog = await tableWithKeyAndFile();
    const fromSnapshot = await tableWithKeyAndFile();
    await writeCheckpointFromLog(fromLog.store, engine(), fromLog.location, undefined, Date.now() + DAY + 1);
    await writeCheckpoint(fromSnapshot.store, engine(), await fromSnapshot.snapshot(), Date.now() + DAY + 1);
    for (const table of [fromLog, fromSnapshot]) {
      const txns = (await reopened(table)).logState.txns;
      expect([...txns.keys()]).toEqual(['aquifer.file:/landing/a.jsonl']);
    }
  });
});
