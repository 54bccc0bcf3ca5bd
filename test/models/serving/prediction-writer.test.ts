import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { MAX_BATCH_ENTRIES, PREDICTIONS_SCHEMA, PredictionWriter, type PredictionEntry } from '../../../src/models/serving/prediction-writer.js';
import { openOrCreateTable, type DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let table: DeltaTable;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  table = await openOrCreateTable(await tempDir('aquifer-prediction-writer-'), engine, PREDICTIONS_SCHEMA);
});

afterAll(() => engine?.close());

const entry = (i: number): PredictionEntry => ({
  requestId: `r${i}`,
  rowIndex: 0,
  time: new Date(Date.UTC(2026, 0, 1)),
  model: 'm',
  version: '1',
  entities: { id: i },
  features: { x: i },
  prediction: 1,
  outputs: { label: 1 },
});

/** Let the commit's settling callbacks run (setImmediate is not faked). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('PredictionWriter', () => {
  it('under steady load commits once a linger: what arrives during a commit waits out its own linger, not the commit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const commits: number[] = [];
      const writer = new PredictionWriter(async () => table, engine, {
        lingerMs: 1000,
        around: (entries, commit) => {
          commits.push(entries.length);
          return commit();
        },
      });
      const first = writer.add([entry(0)]);
      vi.advanceTimersByTime(999);
      expect(commits).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(commits).toEqual([1]);
      // Arrives while the first commit runs.
      const second = writer.add([entry(1), entry(2)]);
      await first;
      await settle();
      vi.advanceTimersByTime(999);
      expect(commits).toEqual([1]);
      vi.advanceTimersByTime(1);
      expect(commits).toEqual([1, 2]);
      await second;
    } finally {
      vi.useRealTimers();
    }
  });

  it('commits a batch at once when it reaches MAX_BATCH_ENTRIES, linger or not, so memory stays bounded', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const commits: number[] = [];
      const writer = new PredictionWriter(async () => table, engine, {
        lingerMs: 60_000,
        around: (entries, commit) => {
          commits.push(entries.length);
          return commit();
        },
      });
      const done = writer.add(Array.from({ length: MAX_BATCH_ENTRIES }, (_, i) => entry(i)));
      vi.advanceTimersByTime(0);
      expect(commits).toEqual([MAX_BATCH_ENTRIES]);
      await done;
    } finally {
      vi.useRealTimers();
    }
  });

  it('flush commits what lingers without waiting the linger out', async () => {
    const writer = new PredictionWriter(async () => table, engine, { lingerMs: 3_600_000 });
    const before = (await table.snapshot()).version;
    const done = writer.add([entry(7)]);
    await writer.flush();
    await done;
    expect((await table.snapshot()).version).toBe(before + 1);
  });

  it("runs its housekeeping after a commit in the background: the commit's waiters do not wait for it, flush does", async () => {
    let finish!: () => void;
    let runs = 0;
    const writer = new PredictionWriter(async () => table, engine, {
      lingerMs: 0,
      afterCommit: () => {
        runs++;
        return new Promise<void>((resolve) => (finish = resolve));
      },
    });
    await writer.add([entry(1)]);
    expect(runs).toBe(1);
    // A second commit meanwhile neither waits for the housekeeping nor starts another.
    await writer.add([entry(2)]);
    expect(runs).toBe(1);
    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    await settle();
    expect(flushed).toBe(false);
    finish();
    await flushing;
    expect(flushed).toBe(true);
  });
});
